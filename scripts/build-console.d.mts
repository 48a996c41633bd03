// Types for build-console.mjs (the TypeScript config does not check JavaScript files).
export declare const ASSETS_DIR: string;
export declare function buildConsole(options?: { log?: (line: string) => void }): Promise<void>;
