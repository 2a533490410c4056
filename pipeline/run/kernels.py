"""The kernels that execute a run's notebooks (papermill), kept to the run's scratch folder."""
from __future__ import annotations

import os
from pathlib import Path

from pipeline.run.kernel_launcher import skip_iri_grammar

skip_iri_grammar()  # before papermill imports jsonschema (pipeline/run/kernel_launcher.py says why)

import papermill  # noqa: E402
from jupyter_client import AsyncKernelManager  # noqa: E402
from traitlets import Unicode  # noqa: E402
from traitlets.config import Config  # noqa: E402

from pipeline.outputs.images import DRAWN_BY_THE_RUN  # noqa: E402
from pipeline.run.scratch import CHILDREN  # noqa: E402
from pipeline.run.scratch import environment as scratch_environment  # noqa: E402


class RunKernelManager(AsyncKernelManager):
    """The kernel of one notebook of a run: its connection file and sockets in the run's scratch
    folder, its temporary files there too (TMPDIR), and its own console output (ipykernel's log)
    in a file there; started by pipeline/run/kernel_launcher.py. jupyter_client interrupts a kernel before shutting it down, and ipykernel logs
    that as 'ERROR | KeyboardInterrupt caught in kernel' on every normal run: nothing for the
    console. The notebook's outputs are not affected (they come over the kernel's channels)."""

    scratch = Unicode("", config=True, help="the folder of this kernel's files")

    def format_kernel_cmd(self, extra_arguments=None) -> list[str]:
        # ipykernel through pipeline/run/kernel_launcher.py: the same kernel, a second less to start
        command = super().format_kernel_cmd(extra_arguments)
        return [part if part != "ipykernel_launcher" else "pipeline.run.kernel_launcher" for part in command]

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        folder = Path(self.scratch)
        # the run draws the maps' static images, all parts' in one Chromium (pipeline.outputs.maps)
        kw["env"] = {**kw.get("env", os.environ), **scratch_environment(folder), DRAWN_BY_THE_RUN: "1"}
        with open(folder / "kernel.log", "ab") as log:  # the child keeps its own copy of the handle
            kw["stdout"] = kw["stderr"] = log
            await super()._async_launch_kernel(kernel_cmd, **kw)
        self._process = self.provisioner.process
        CHILDREN.add(self._process)  # ended by a stopped run (pipeline.run.scratch.stop_children)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        CHILDREN.discard(getattr(self, "_process", None))
        await super()._async_cleanup_resources(restart)


def execute_notebook(notebook: Path, output: Path, parameters: dict, progress: bool, scratch: Path) -> None:
    """Execute a notebook with papermill into output, its kernel's files in scratch. The maps it
    writes come without their PNG and SVG: the caller draws them (NotebookStep)."""
    scratch.mkdir(parents=True, exist_ok=True)
    output.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(
        str(notebook), str(output), parameters=parameters, kernel_name="python3",
        progress_bar=progress, log_output=False,
        kernel_manager_class=RunKernelManager,
        # The kernel talks to papermill over Unix sockets in the run's private scratch folder, not
        # loopback TCP ports that any local user could reach (and ipykernel warns about): the data
        # is sensitive. Its connection file lies there too, so a killed run leaves nothing elsewhere.
        config=Config({"RunKernelManager": {"transport": "ipc", "ip": str(scratch / "k"),
                                            "connection_file": str(scratch / "kernel.json"), "scratch": str(scratch)}}),
        # the kernel starts in the notebooks' folder; not papermill's cwd=, which changes the
        # directory of the whole process and would race between notebooks running side by side
        resources={"metadata": {"path": str(notebook.parent)}},
        # saved once at the end (or at the failing cell), not after every cell: the executed
        # notebooks embed plotly.js (~5 MB each) and per-cell saves cost seconds per notebook
        request_save_on_cell_execute=False,
        # one stream output per cell and stream: two prints may reach papermill as one message or as
        # two, by the machine's load, and the executed notebook must not depend on that
        coalesce_streams=True,
    )
