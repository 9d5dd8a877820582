/**
 * Who is on the other end of an MQTT connection: the CONNECT password is
 * the JWT, verified with the node's `TokenVerifier` exactly as a WebSocket
 * upgrade's token (same claims `sub`, `dev`, `exp`); the username is
 * optional and, when given, must equal the token's `sub`.
 *
 * A refusal is an MQTT 3.1.1 CONNACK return code (section 3.2.2.3): 4 "bad
 * user name or password" for a missing or refused token, 5 "not authorized"
 * for a valid token under another username, 3 "server unavailable" when the
 * keys to verify with could not be had (not the client's fault).
 */
import type { Buffer } from 'node:buffer';
import { quote } from '../../../runtime/index.ts';
import type { AuthFailure, Identity, TokenVerifier } from '../../protocol/index.ts';

/** CONNACK return codes of MQTT 3.1.1 that Parley answers. */
export const ConnackCode = {
  ServerUnavailable: 3,
  BadUsernameOrPassword: 4,
  NotAuthorized: 5,
} as const;
export type ConnackCode = (typeof ConnackCode)[keyof typeof ConnackCode];

export type MqttAuthResult =
  | { readonly ok: true; readonly identity: Identity }
  | {
      readonly ok: false;
      readonly returnCode: ConnackCode;
      /** For the auth-failure metric: the token's failure, or `username`. */
      readonly reason: AuthFailure | 'username';
      readonly message: string;
    };

/** Verifies a CONNECT's credentials; never throws. */
export async function authenticateConnect(
  username: string | undefined,
  password: Buffer | undefined,
  verifier: TokenVerifier,
): Promise<MqttAuthResult> {
  if (password === undefined || password.length === 0)
    return {
      ok: false,
      returnCode: ConnackCode.BadUsernameOrPassword,
      reason: 'missing',
      message: 'no token: send the JWT as the MQTT password',
    };
  const auth = await verifier.verify(password.toString('utf8'));
  if (!auth.ok)
    return {
      ok: false,
      returnCode:
        auth.error.reason === 'unavailable'
          ? ConnackCode.ServerUnavailable
          : ConnackCode.BadUsernameOrPassword,
      reason: auth.error.reason,
      message: auth.error.message,
    };
  if (username !== undefined && username !== '' && username !== auth.identity.user)
    return {
      ok: false,
      returnCode: ConnackCode.NotAuthorized,
      reason: 'username',
      message: `username ${quote(username)} is not the token's sub ${quote(auth.identity.user)}; leave it empty or send the sub`,
    };
  return auth;
}
