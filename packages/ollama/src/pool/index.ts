export { createOllamaPool, type OllamaPool, type OllamaPoolOptions, type PoolHostState } from "./ollama-pool.ts";
export { rendezvousOrder } from "./rendezvous.ts";
