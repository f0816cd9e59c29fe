import { Command, Errors, ux, type Interfaces } from "@oclif/core";
import { ExitCode } from "./errors/exit-codes.js";
import { Failure, toFailure, type FailureContext } from "./errors/failure.js";

export type FlagsOf<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof HermesCommand)["baseFlags"] & T["flags"]
>;
export type ArgsOf<T extends typeof Command> = Interfaces.InferredArgs<T["args"]>;

/**
 * Every hermes command: parses flags and args once (in init), and turns any
 * failure into a message that says what to do plus an exit code from
 * ExitCode. With --json, failures print `{"error": {...}}` on stdout too.
 */
export abstract class HermesCommand<T extends typeof Command> extends Command {
  protected flags!: FlagsOf<T>;
  protected args!: ArgsOf<T>;

  public override async init(): Promise<void> {
    await super.init();
    const { args, flags } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof HermesCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as FlagsOf<T>;
    this.args = args as ArgsOf<T>;
  }

  /** What error messages may mention (the server, where the token came from). */
  protected failureContext(): FailureContext {
    return {};
  }

  protected override async catch(reason: Error & { exitCode?: number }): Promise<unknown> {
    // this.exit(code): the command has already said everything it had to.
    if (reason instanceof Errors.ExitError) throw reason;
    const failure = toFailure(reason, this.failureContext());
    if (ux.action.running) ux.action.stop(ux.colorize("red", "failed"));
    if (!this.jsonEnabled()) throw failure;
    const exitCode = failure.oclif.exit ?? ExitCode.Error;
    this.logJson(
      failure instanceof Failure
        ? failure.toJson()
        : {
            error: {
              exitCode,
              reason: exitCode === ExitCode.Usage ? "usage" : "error",
              message: failure.message,
              hints: [],
            },
          },
    );
    // The JSON is the report; exit with the code and print nothing more.
    throw new Errors.ExitError(exitCode);
  }

  /** Progress on stderr (a spinner on a terminal, one line otherwise); silent with --json. */
  protected async step<R>(
    title: string,
    work: () => Promise<R>,
    done: (result: R) => string = () => "done",
  ): Promise<R> {
    if (this.jsonEnabled()) return work();
    ux.action.start(title);
    const result = await work();
    ux.action.stop(done(result));
    return result;
  }
}
