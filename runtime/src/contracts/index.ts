// The hermes.v1 contracts (proto/hermes/v1), as protoc-gen-es generates them:
// messages, enums, schemas and service descriptors for MessageService,
// AdminService, PluginService, AuthService and SuppressionService.
export * from "../gen/hermes/v1/error_pb.js";
export * from "../gen/hermes/v1/message_pb.js";
export * from "../gen/hermes/v1/message_service_pb.js";
export * from "../gen/hermes/v1/admin_service_pb.js";
export * from "../gen/hermes/v1/plugin_service_pb.js";
export * from "../gen/hermes/v1/auth_service_pb.js";
export * from "../gen/hermes/v1/suppression_service_pb.js";
