/**
 * Writes spec/contract/minio.md from the contract, the operation surface and the action
 * set in code: `deno run -A src/stores/minio/contract_gen.ts`. contract_test.ts fails
 * when the committed file differs from what this renders.
 */
import { formatMarkdown } from "../../markdown.ts";
import { renderMinioContract } from "./contract.ts";

export const MINIO_CONTRACT_PATH = new URL("../../../spec/contract/minio.md", import.meta.url);

export async function renderMinioContractFile(): Promise<string> {
  return await formatMarkdown(renderMinioContract());
}

if (import.meta.main) {
  await Deno.writeTextFile(MINIO_CONTRACT_PATH, await renderMinioContractFile());
  console.log(`wrote ${MINIO_CONTRACT_PATH.pathname}`);
}
