/**
 * @module
 * The driver's connection types, in a file of their own so that the
 * migrations and the connection code can both name them without importing
 * each other.
 */
import type { Sql as DriverSql, TransactionSql } from "postgres"

/** A connection pool whose connections use the store's schema. */
export type Sql = DriverSql

/** The pool inside `sql.begin`: one connection, one transaction. */
export type Tx = TransactionSql
