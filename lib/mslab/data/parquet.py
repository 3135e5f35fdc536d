"""Deterministic Parquet writing for the data the project ships: a re-run writes the same bytes.

zstd level 9, no pandas/Arrow schema metadata and no statistics; integer columns delta-encoded
(times and ids grow steadily, so their differences are small), string columns as dictionaries,
floats plain. One row group up to a million rows.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def write_parquet(table: pa.Table, path: str | Path) -> Path:
    """Write ``table`` to ``path`` deterministically (see the module docstring).

    Parameters
    ----------
    table : pyarrow.Table
        The data; its schema metadata is dropped.
    path : str or pathlib.Path
        Output file; missing parent directories are created, an existing file is replaced.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = table.replace_schema_metadata(None)
    ints = [f.name for f in table.schema if pa.types.is_integer(f.type)]
    strings = [f.name for f in table.schema
               if pa.types.is_dictionary(f.type) or pa.types.is_string(f.type)]
    pq.write_table(table, path, compression="zstd", compression_level=9, write_statistics=False,
                   store_schema=False, use_dictionary=strings,
                   column_encoding={c: "DELTA_BINARY_PACKED" for c in ints},
                   row_group_size=1_000_000)
    return path
