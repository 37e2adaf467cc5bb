"""``cosyclone validate``: the seed's validation step — compile-check every module of the package."""

from __future__ import annotations

import typer

from cosyclone.cli import exit_codes
from cosyclone.cli._output import emit_json, say
from cosyclone.ops.session import Session


def validate(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Compile-check every module of cosyclone and write validate.txt (containing py_compile_ok) as evidence."""
    import py_compile
    from pathlib import Path

    import cosyclone

    state: Session = ctx.obj
    package_dir = Path(cosyclone.__file__).parent
    modules = sorted(package_dir.rglob("*.py"))
    failures: list[str] = []
    for module in modules:
        try:
            py_compile.compile(str(module), doraise=True, cfile=None, optimize=-1)
        except py_compile.PyCompileError as error:
            failures.append(f"{module.relative_to(package_dir)}: {error.msg.strip()}")
    ok = not failures
    lines = ["py_compile_ok" if ok else "py_compile_failed", f"modules: {len(modules)}", *failures]
    evidence = state.evidence()
    path = evidence.write_text("validate.txt", "\n".join(lines) + "\n")
    if as_json:
        emit_json({"ok": ok, "modules": len(modules), "failures": failures, "path": str(path) if path else None})
    else:
        say(f"{'py_compile_ok' if ok else 'py_compile_failed'}: {len(modules)} modules checked")
        for failure in failures:
            say(f"  {failure}")
        if path:
            say(f"wrote {path}")
    raise typer.Exit(exit_codes.OK if ok else exit_codes.BAD_INPUT)


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
