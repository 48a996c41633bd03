import { IoTDataPlaneClient } from "@aws-sdk/client-iot-data-plane";

export const LOCAL_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

/** The AWS SDK client exactly as a user configures it: only the endpoint (and local credentials) changed. */
export function dataPlaneClient(
  endpoint: string,
  options: { credentials?: { accessKeyId: string; secretAccessKey: string }; region?: string } = {},
): IoTDataPlaneClient {
  return new IoTDataPlaneClient({
    endpoint,
    region: options.region ?? "us-east-1",
    credentials: options.credentials ?? LOCAL_CREDENTIALS,
    // Errors must surface as they are, not after retries.
    maxAttempts: 1,
  });
}

const decoder = new TextDecoder();
// biome-ignore lint/suspicious/noExplicitAny: test documents are checked field by field
export const json = (payload: Uint8Array | undefined): any => JSON.parse(decoder.decode(payload));
export const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));
