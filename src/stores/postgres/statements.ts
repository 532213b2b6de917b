/** Running DDL statements one by one, each failure named with what was being done. */
import type { Sql, TransactionSql } from "postgres";
import { serverError } from "./errors.ts";

export type Session = Sql | TransactionSql;

export async function runStatements(
  session: Session,
  statements: readonly string[],
  what: string,
): Promise<void> {
  for (const statement of statements) {
    try {
      await session.unsafe(statement);
    } catch (error) {
      throw serverError(what, error);
    }
  }
}

/** A query with bind parameters, its failure named. */
export async function query<T>(
  session: Session,
  text: string,
  params: (string | number | null)[],
  what: string,
): Promise<T[]> {
  try {
    return await session.unsafe(text, params) as unknown as T[];
  } catch (error) {
    throw serverError(what, error);
  }
}
