/**
 * ARNs of the control-plane resources. The server answers for one region and one account (deployment settings);
 * the partition is always `aws` (control-plane.md §1).
 */
export interface ArnContext {
  region: string;
  /** 12-digit account id, e.g. "123456789012". */
  account: string;
}
