/**
 * The in-memory store: the public face of `store/memory/`.
 */
export { MemoryStore, type MemoryStoreOptions } from './memory-store.ts';
