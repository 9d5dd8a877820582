/**
 * The admin API's gRPC definitions, loaded at run time from
 * `protos/admin/v1/admin.proto` (no generated code to keep in step). Fields
 * read in camelCase, 64-bit integers as JS numbers (every counter we send
 * stays below 2^53), absent fields as their defaults.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** The .proto file, found relative to this module so the CLI works from any directory. */
export const ADMIN_PROTO_PATH = fileURLToPath(
  new URL('../../protos/admin/v1/admin.proto', import.meta.url),
);

export interface AdminDefinition {
  /** The service, for `server.addService`. */
  readonly service: grpc.ServiceDefinition;
  /** The generated client class. */
  readonly Client: grpc.ServiceClientConstructor;
}

let loaded: AdminDefinition | undefined;

/** The admin service definition, loaded once per process. */
export function adminDefinition(): AdminDefinition {
  if (loaded !== undefined) return loaded;
  const definition = protoLoader.loadSync(ADMIN_PROTO_PATH, {
    keepCase: false,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    parley: { admin: { v1: { Admin: grpc.ServiceClientConstructor } } };
  };
  const Client = pkg.parley.admin.v1.Admin;
  loaded = { service: Client.service, Client };
  return loaded;
}
