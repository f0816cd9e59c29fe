// The development keys, in a module of their own so that the CLI can offer
// the dev key to loopback gateways without loading the dev environment (the
// simulators and their drivers).

/** The API key a development gateway accepts; never use it outside loopback. */
export const devApiKey = "hermes-dev-key";

/**
 * The tenant the provider routes serve, and its key: the dev key's tenant
 * keeps the SMPP and KumoMTA routes as its default, and this one reaches
 * the providers on the same channels, picked by the key a client sends.
 */
export const devProvidersTenant = "dev-providers";
export const devProvidersApiKey = "hermes-dev-providers-key";
