// The v1 device SDK ships no types; these cover what the tests use.
declare module "aws-iot-device-sdk" {
  interface ThingShadow {
    on(event: "connect" | "close" | "offline", listener: () => void): void;
    on(event: "status", listener: (thingName: string, stat: string, clientToken: string, stateObject: { version: number }) => void): void;
    on(event: "delta", listener: (thingName: string, stateObject: { state: Record<string, unknown>; version: number }) => void): void;
    register(thingName: string, options: { ignoreDeltas?: boolean; persistentSubscribe?: boolean }, callback: (err?: Error) => void): void;
    update(thingName: string, stateObject: unknown): string | null;
    end(force: boolean, callback: () => void): void;
  }
  const awsIot: { thingShadow(options: Record<string, unknown>): ThingShadow };
  export default awsIot;
}
