"""Every case's data files against their schemas: each corruption a user can make is
refused with file, row, column or parameter and value named; harmless variations
(a byte-order mark, white space) are tolerated. Parametrized over every file of every
case in ``cases.CASES``, so a new case is covered as soon as it declares its schemas."""
import csv
import io
import shutil

import numpy as np
import pytest
import stackga.cases as cases

from stackga.data import DataError, ParamTable, load_params, load_table

CASE_FILES = [(name, schema) for name in cases.CASES for schema in cases.get(name).DATA_SCHEMAS]


def read(path):
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def write(path, rows):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue())


def out_of_range(bounds):
    """Values just outside ``bounds`` (text), each with the reason."""
    vals = []
    if np.isfinite(bounds.lo):
        vals.append(repr(bounds.lo if bounds.lo_open else bounds.lo - 1.0))
    if np.isfinite(bounds.hi):
        vals.append(repr(bounds.hi if bounds.hi_open else bounds.hi + 1.0))
    if bounds.integer:
        vals.append(repr((bounds.lo if np.isfinite(bounds.lo) else 0.0) + 0.5))
    return vals


def table_corruptions(schema):
    """(id, edit(rows) -> rows, texts the error must contain)."""
    def cell(row, col, value):
        def f(rows):
            j = rows[0].index(col)
            rows[row - 1][j] = value
            return rows
        return f

    out = [
        ("extra-cell", lambda r: r[:1] + [r[1] + ["1"]] + r[2:], ["row 2 has"]),
        ("missing-cell", lambda r: r[:2] + [r[2][:-1]] + r[3:], ["row 3 has"]),
        ("misspelt-column", lambda r: [[r[0][0], r[0][1] + "x"] + r[0][2:]] + r[1:],
         [f"unknown column '{schema.names[1]}x'", f"did you mean '{schema.names[1]}'"]),
        ("deleted-column", lambda r: [row[:-1] for row in r], [f"missing column '{schema.names[-1]}'"]),
        ("header-only", lambda r: r[:1], ["no data rows"]),
        ("empty-file", lambda r: [], ["file is empty"]),
    ]
    for c in schema.columns:
        for v in out_of_range(c.bounds):
            out.append((f"{c.name}={v}", cell(3, c.name, v), [f"'{c.name}', row 3", v, "out of range"]))
        out.append((f"{c.name}=nan", cell(4, c.name, "nan"), [f"'{c.name}', row 4", "'nan' is not finite"]))
        out.append((f"{c.name}=text", cell(2, c.name, "warm"), [f"'{c.name}', row 2", "'warm' is not a number"]))
        out.append((f"{c.name}=empty", cell(2, c.name, ""), [f"'{c.name}', row 2", "empty cell"]))
        out.append((f"{c.name}=underscore", cell(2, c.name, "1_0"), [f"'{c.name}', row 2", "'1_0' is not a number"]))
    if schema.hours:
        out.append(("hours-reversed", lambda r: r[:1] + r[1:][::-1], ["'hour', row 2", f"value {schema.hours - 1}", "expected 0"]))
        out.append(("hour-duplicated", cell(3, "hour", "0"), ["'hour', row 3", "value 0", "expected 1"]))
        out.append(("hour-deleted", lambda r: r[:5] + r[6:], [f"expected {schema.hours} hourly rows", f"found {schema.hours - 1}"]))
    if schema.key:
        out.append(("key-repeated", lambda r: r + [r[1]], [f"'{schema.key}', row {{n}}", "repeats row 2"]))
    for a, b in schema.row_orders:
        def swap(rows, a=a, b=b):
            ia, ib = rows[0].index(a), rows[0].index(b)
            rows[2][ia] = repr(float(rows[2][ib]) + 1.0)
            return rows
        out.append((f"{a}>{b}", swap, ["row 3", f"{a} =", f"must be <= {b}"]))
    return out


def param_corruptions(schema, values):
    def setp(name, value):
        def f(rows):
            for row in rows[1:]:
                if row[0] == name:
                    row[1] = value
            return rows
        return f

    first, last = schema.names[0], schema.names[-1]
    out = [
        ("duplicate", lambda r: r + [r[1]], [f"parameter '{first}' appears again", "first at row 2"]),
        ("misspelt", lambda r: r[:1] + [[r[1][0] + "x"] + r[1][1:]] + r[2:],
         [f"row 2: unknown parameter '{first}x'", f"did you mean '{first}'"]),
        ("deleted-row", lambda r: r[:-1], [f"missing parameter(s) {last}"]),
        ("header-only", lambda r: r[:1], ["missing parameter(s)"]),
        ("empty-file", lambda r: [], ["file is empty"]),
        ("extra-cell", lambda r: r[:1] + [r[1] + ["x"]] + r[2:], ["row 2 has 6 cells"]),
        ("wrong-unit", lambda r: r[:1] + [r[1][:2] + ["furlongs"] + r[1][3:]] + r[2:],
         ["row 2", f"'{first}'", "unit 'furlongs'"]),
    ]
    for p in schema.params:
        for v in out_of_range(p.bounds):
            out.append((f"{p.name}={v}", setp(p.name, v), [f"parameter '{p.name}'", v, "out of range"]))
        out.append((f"{p.name}=nan", setp(p.name, "nan"), [f"parameter '{p.name}'", "not finite"]))
        out.append((f"{p.name}=text", setp(p.name, "lots"), [f"parameter '{p.name}'", "'lots' is not a number"]))
    bounds = {p.name: p.bounds for p in schema.params}
    for a, b, strict in schema.orders:
        texts = [f"({a} = ", f"must be {'<' if strict else '<='}", f"({b} = "]
        v = values[b] if strict else values[b] + 0.01 * max(1.0, abs(values[b]))
        if bounds[a].contains(v):                    # raise a above b
            out.append((f"{a}-vs-{b}", setp(a, repr(v)), texts))
        else:       # a's range ends at b: lower b below a (the first order it breaks is named)
            w = values[a] if strict else values[a] - 0.01 * max(1.0, abs(values[a]))
            assert bounds[b].contains(w), f"cannot break the order {a} <= {b} within the ranges"
            out.append((f"{a}-vs-{b}", setp(b, repr(w)), [f"({b} = {w!r})", "must be <"]))
    return out


def corruptions():
    for case, schema in CASE_FILES:
        mod = cases.get(case)
        if isinstance(schema, ParamTable):
            values = mod.load().params
            items = param_corruptions(schema, values)
        else:
            items = table_corruptions(schema)
        for ident, edit, texts in items:
            yield pytest.param(case, schema.file, edit, texts, id=f"{case}-{schema.file}-{ident}")


@pytest.fixture
def folder(tmp_path):
    def make(case):
        d = tmp_path / "data"
        shutil.copytree(cases.get(case).DATA_DIR, d)
        return d
    return make


@pytest.mark.parametrize("case,file,edit,texts", list(corruptions()))
def test_corruption_is_named(folder, case, file, edit, texts):
    d = folder(case)
    rows = read(d / file)
    n_rows = len(rows)
    write(d / file, edit(rows))
    with pytest.raises(DataError) as err:
        cases.get(case).load(d)
    msg = str(err.value)
    assert file in msg
    for t in texts:
        assert t.replace("{n}", str(n_rows + 1)) in msg, msg


def load_one(folder, schema):
    if isinstance(schema, ParamTable):
        symbols = {sym: 0.5 for p in schema.params for sym in p.symbols}
        return dict(load_params(folder, schema, symbols))
    return load_table(folder, schema)


@pytest.mark.parametrize("case,schema", CASE_FILES, ids=[f"{c}-{s.file}" for c, s in CASE_FILES])
def test_bom_whitespace_and_blank_lines_are_tolerated(folder, case, schema):
    d = folder(case)
    before = load_one(d, schema)
    rows = read(d / schema.file)
    text = "\n".join(" , ".join(f" {c} " for c in r) for r in rows) + "\n\n"
    (d / schema.file).write_text("\ufeff" + text, encoding="utf-8")   # what Excel writes
    after = load_one(d, schema)
    assert before.keys() == after.keys() and len(before) == len(schema.names)
    for k in before:
        np.testing.assert_array_equal(before[k], after[k])
    cases.get(case).load(d)                                           # the case loads it too


@pytest.mark.parametrize("case,schema", CASE_FILES, ids=[f"{c}-{s.file}" for c, s in CASE_FILES])
def test_missing_file_and_folder(folder, case, schema):
    d = folder(case)
    (d / schema.file).unlink()
    with pytest.raises(DataError, match=rf"{schema.file}: file not found"):
        cases.get(case).load(d)
    with pytest.raises(DataError, match="data folder not found"):
        cases.get(case).load(d / "nowhere")


def test_not_utf8_is_named(folder):
    d = folder("island")
    (d / "hourly.csv").write_bytes("hour,wind\n\xff\xfe".encode("latin-1"))
    with pytest.raises(DataError, match=r"hourly.csv: not UTF-8"):
        cases.get("island").load(d)


def test_every_schema_matches_the_shipped_file():
    """The shipped files hold exactly the schema's columns / parameters (no drift)."""
    for case, schema in CASE_FILES:
        rows = read(cases.get(case).DATA_DIR / schema.file)
        if isinstance(schema, ParamTable):
            assert tuple(rows[0]) == schema.columns
            assert sorted(r[0] for r in rows[1:]) == sorted(schema.names)
        else:
            assert tuple(rows[0]) == schema.names


def test_every_case_ships_its_data():
    """An installed package must carry each case's data files (pyproject's package-data)."""
    from pathlib import Path
    tomllib = pytest.importorskip("tomllib")
    with open(Path(__file__).parents[2] / "pyproject.toml", "rb") as f:
        shipped = tomllib.load(f)["tool"]["setuptools"]["package-data"]
    for name in cases.CASES:
        assert "data/*.csv" in shipped.get(f"stackga.cases.{name}", []), f"stackga.cases.{name}: data not packaged"
