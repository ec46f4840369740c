"""`make up`: the local stack, kept running until Ctrl-C (SIGINT) or SIGTERM.

Services (embedded where no URL is set) and migrations are ours; then honcho runs the
app's processes from devstack/Procfile: the API on API_PORT (default 8000; a free port if
that one is taken), two workers, Flower and celery-exporter, each line of their output
prefixed with its name. A worker killed outright is started again (the Procfile says
how); if any process exits otherwise, honcho stops the others. Either way the services
are stopped next; if we are killed outright, devstack.watchdog stops everything.
"""

from __future__ import annotations

import os
import secrets
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

from cryptography.fernet import Fernet

from core.access import Role
from devstack import processes
from devstack.keys import LOCAL_TENANT, mint_key
from devstack.ports import NotReady, free_port, http_answers, port_is_free
from devstack.services import local_services
from devstack.stack import ROOT, app_env, new_workdir, raise_on_sigterm
from devstack.watchdog import SESSION_VAR

PROCFILE = ROOT / "devstack" / "Procfile"
EXPORTER_PYTHON = ROOT / ".venv-exporter" / "bin" / "python"
EXPORTED = ("REDIS_URL", "BROKER_URL", "CACHE_REDIS_URL", "DATABASE_URL", "S3_ENDPOINT_URL",
            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")  # fmt: skip
READY_TIMEOUT_S = 120.0
STOPPED = (130, 143)  # honcho's exit status after SIGINT, SIGTERM


def choose_port(var: str, default: int) -> str:
    """`var` from the environment, else `default`; a free port if that one is taken."""
    wanted = int(os.environ.get(var) or default)
    if port_is_free(wanted):
        return str(wanted)
    port = free_port()
    print(f"{var}: port {wanted} is taken; using {port} instead", flush=True)
    return str(port)


def run_settings(workdir: Path) -> dict[str, str]:
    """What the Procfile's commands read besides the services: addresses, Flower's
    password, where the run's files go. Set in the environment, a setting wins."""
    ports = {var: choose_port(var, default)
             for var, default in (("API_PORT", 8000), ("WORKER_METRICS_PORT", 9101),
                                  ("WORKER2_METRICS_PORT", 9102),
                                  ("FLOWER_PORT", 5555), ("EXPORTER_PORT", 9808))}  # fmt: skip
    defaults = {
        "API_HOST": "127.0.0.1",
        "API_WORKERS": "1",
        # Two gevent workers (the Procfile's worker and worker2), a Node checker each.
        "CHECKER_PROCESSES": "1",
        "FLOWER_HOST": "127.0.0.1",
        "FLOWER_BASIC_AUTH": f"admin:{secrets.token_urlsafe(9)}",
        "EXPORTER_HOST": "127.0.0.1",
        "EXPORTER_PYTHON": str(EXPORTER_PYTHON),
        # A spool of this run's own: its rows belong to this run's database.
        "SPOOL_DIR": str(workdir / "spool"),
        # Each tenant's requests to one API process, as compose and Kubernetes set it.
        "TENANT_REQUESTS_PER_S": "50",
        # Webhook signing secrets and tenants' Figma tokens are stored encrypted with it:
        # without one no webhook could be signed. Printed, to keep it across runs.
        "TENANT_SECRETS_KEY": Fernet.generate_key().decode(),
    }
    return {
        **{var: os.environ.get(var) or value for var, value in defaults.items()},
        **ports,
        "RUN_DIR": str(workdir),
        # deploy/bin's scripts call uvicorn and celery by name: ours, first.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def banner(env: dict[str, str], workdir: Path, names: list[str], keys: dict[Role, str]) -> str:
    exports = " \\\n         ".join(
        f"{name}={shlex.quote(env[name])}" for name in EXPORTED if env.get(name)
    )
    api = f"http://127.0.0.1:{env['API_PORT']}"
    exporter = f"http://127.0.0.1:{env['EXPORTER_PORT']}/metrics"
    job = shlex.quote(str(ROOT / "samples" / "job.json"))
    return f"""
ComponentForge Jobs, starting.
  API        {api}        docs: {api}/docs
  dashboard  {api}/dashboard
  metrics    API {api}/metrics   workers http://127.0.0.1:{env["WORKER_METRICS_PORT"]}/metrics
             and http://127.0.0.1:{env["WORKER2_METRICS_PORT"]}/metrics
  flower     http://127.0.0.1:{env["FLOWER_PORT"]}   (basic auth {env["FLOWER_BASIC_AUTH"]})
  exporter   {exporter if "exporter" in names else "not installed (make install)"}
  logs       {workdir}   (services, migrations, the .env of this run)
  secrets    TENANT_SECRETS_KEY={env["TENANT_SECRETS_KEY"]}
             (encrypts webhook secrets and Figma tokens; set it to keep them readable
             in a DATABASE_URL you reuse)

Point celery, curl or a script at it:
  export {exports}

Submit jobs from the command line and watch them finish:
  export COMPONENTFORGE_URL={api} COMPONENTFORGE_API_KEY={keys[Role.SUBMIT]}
  .venv/bin/componentforge submit samples/ --wait

Or over HTTP:
  export KEY={keys[Role.SUBMIT]}
  curl -s -X POST {api}/v1/generations -H "Authorization: Bearer $KEY" \\
    -H 'Content-Type: application/json' --data @{job}
  curl -s -H "Authorization: Bearer $KEY" '{api}/v1/generations/<id from above>?wait=30'

API keys of tenant "{LOCAL_TENANT}" (shown once; make more with `componentforge keys create`):
  submit  {keys[Role.SUBMIT]}
  admin   {keys[Role.ADMIN]}
          for /metrics and /dashboard: curl -H "Authorization: Bearer <admin key>", or
          in a browser any user name and the admin key as the password

honcho runs {", ".join(names)} ({PROCFILE.relative_to(ROOT)}); their output follows. A worker
killed outright is started again; a job whose whole worker died comes back after
BROKER_VISIBILITY_TIMEOUT_S (hard time limit + 30 s). Ctrl-C stops everything.
"""


def run_honcho(names: list[str], env_file: Path, api_port: int) -> int:
    """honcho start, until it ends; says when the API answers. Returns honcho's status."""
    honcho = subprocess.Popen(
        [sys.executable, "-m", "honcho", "--procfile", str(PROCFILE), "--env", str(env_file),
         "--app-root", str(ROOT), "start", *names],
        cwd=ROOT,
    )  # fmt: skip
    # A Ctrl-C reaches honcho as well (same process group): it stops the processes, and
    # we wait for it. A SIGTERM meant for us, we pass on.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda signum, _: honcho.send_signal(signum))
    deadline = time.monotonic() + READY_TIMEOUT_S
    while honcho.poll() is None and time.monotonic() < deadline:
        if http_answers(api_port, "/healthz"):
            print(f"\nready: the API answers on http://127.0.0.1:{api_port}\n", flush=True)
            break
        time.sleep(0.5)
    status = honcho.wait()
    # A second Ctrl-C while the services stop interrupts that; the watchdog finishes it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    return status


def main() -> int:
    raise_on_sigterm()  # until honcho runs, SIGTERM unwinds like Ctrl-C
    workdir = new_workdir("up")
    try:
        with local_services(workdir, env=dict(os.environ), cache_redis=True) as service_env:
            env = {**app_env(service_env), **run_settings(workdir)}
            print("migrations: alembic upgrade head", flush=True)
            processes.run_migrations(env=env, workdir=workdir)
            # Every /v1 route needs a key: this run's database gets its own.
            keys = {role: mint_key(env["DATABASE_URL"], name=f"make-up-{role}", role=role)
                    for role in (Role.SUBMIT, Role.ADMIN)}  # fmt: skip
            # The settings of this run, for honcho; the user's own environment it reads itself.
            env_file = workdir / ".env"
            env_file.write_text("".join(
                f"{var}={shlex.quote(value)}\n" for var, value in env.items()
                if os.environ.get(var) != value and var != SESSION_VAR
            ))  # fmt: skip
            names = ["api", "worker", "worker2", "flower"]
            if Path(env["EXPORTER_PYTHON"]).exists():
                names.append("exporter")
            print(banner(env, workdir, names, keys), flush=True)
            status = run_honcho(names, env_file, int(env["API_PORT"]))
            print("stopping the services", flush=True)
    except NotReady as exc:
        print(f"make up FAILED: the stack did not start: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; everything started is stopped", file=sys.stderr)
        return 130
    if status in STOPPED:
        print("stopped")
        return 0
    print(f"stopped: a process exited (status {status}); its output is above", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
