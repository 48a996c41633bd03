/**
 * ARNs of the control-plane resources. The server answers for one region and one account (deployment settings);
 * the partition is always `aws` (control-plane.md §1).
 */
export interface ArnContext {
  region: string;
  /** 12-digit account id, e.g. "123456789012". */
  account: string;
}

/** `arn:aws:iot:{region}:{account}:{resource}`, e.g. resource `stream/abc` or `package/p/version/1.0`. */
export function iotArn(context: ArnContext, resource: string): string {
  return `arn:aws:iot:${context.region}:${context.account}:${resource}`;
}
