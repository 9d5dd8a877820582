/**
 * The chat's actors: user and group actors, composed on a node by `composeChat`.
 */
export { type ChatCore, type ChatDeps, composeChat } from './compose.ts';
export { type ChatConfig, type ChatEnv, DEFAULT_CHAT_CONFIG } from './env.ts';
export type { EdgeMsg, UserMsg } from './messages.ts';
