"""Count what the database is asked and what it hands back, to test that a query keeps its shape
(a keyed look-up, not a scan that grows with history): statements and rows fetched, never time."""
from __future__ import annotations

import contextlib


class Counted:
    def __init__(self):
        self.statements = 0
        self.rows = 0
        self.sql: list[str] = []
        self.params: list = []
        self.rows_per_statement: list[int] = []


class _Cursor:
    def __init__(self, cursor, counted: Counted):
        self._c, self._n = cursor, counted
        self._i = len(counted.rows_per_statement) - 1

    def _add(self, n: int) -> None:
        self._n.rows += n
        self._n.rows_per_statement[self._i] += n

    def fetchone(self):
        row = self._c.fetchone()
        self._add(row is not None)
        return row

    def fetchmany(self, *args):
        rows = self._c.fetchmany(*args)
        self._add(len(rows))
        return rows

    def fetchall(self):
        rows = self._c.fetchall()
        self._add(len(rows))
        return rows

    def __iter__(self):
        for row in self._c:
            self._add(1)
            yield row

    def __getattr__(self, name):
        return getattr(self._c, name)


@contextlib.contextmanager
def counting(database):
    """`with counting(db.obj) as n:` … `n.statements`, `n.rows`, `n.sql`."""
    counted = Counted()
    original = database.execute_sql

    def execute_sql(sql, params=None, *args, **kwargs):
        counted.statements += 1
        counted.sql.append(sql)
        counted.params.append(params)
        counted.rows_per_statement.append(0)
        return _Cursor(original(sql, params, *args, **kwargs), counted)

    database.execute_sql = execute_sql
    try:
        yield counted
    finally:
        del database.execute_sql              # the class's method again
