"""How the web server is started: one argument list for `make run` and the load test,
so that the load test measures what a newcomer runs."""

import sys


def gunicorn_argv(*, host: str, port: int | str, workers: int | str) -> list[str]:
    """gthread with 4 threads per worker; the access log to stdout, with reset and claim
    tokens cut out of it (RedactingLogger)."""
    return [
        sys.executable, "-m", "gunicorn", "tradereg.wsgi",
        "--worker-class", "gthread", "--workers", str(workers),
        "--threads", "4", "--bind", f"{host}:{port}", "--access-logfile", "-",
        "--logger-class", "tradereg.accounts.accesslog.RedactingLogger",
    ]  # fmt: skip
