"""PythonLayer: shared code (and its dependencies) published once, as a Lambda layer."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import ClassVar

from aws_cdk import AssetHashType, SymlinkFollowMode
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from .defaults import FunctionDefaults
from .guard import guard
from .packaging import LayerInfo
from .packaging.bundle import build_bundle
from .packaging.code import install_dependencies, target_for
from .packaging.installed import top_level_modules
from .packaging.installer import cache_dir
from .rules import function as function_rules
from .rules import packaging as rules
from .rules.props import check_props


class PythonLayer(Construct):
    """A folder of modules (`lambda_src/common/` -> `import common`) and its requirements.txt, as a layer.

    The layer holds `python/<folder name>/...` and the installed dependencies under `python/`, built for one
    runtime and architecture (the function defaults unless given) and checked like a function's bundle. A folder
    already in Lambda's layout (`layer/python/mylib/...`, no modules beside `python/`) is taken as it is: what
    `python/` holds is importable (`import mylib`), and a requirements.txt beside `python/` is installed into it.
    Functions that list it in `layers=[...]` may import what it holds; the import check knows its content.
    Prefer `shared_code=[...]` on the function for a few small modules: a layer is a separate resource and
    version to deploy, worth it when the shared part is large or changes rarely.
    """

    defaults: ClassVar[FunctionDefaults] = FunctionDefaults()

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        source: str,
        runtime: lambda_.Runtime | None = None,
        architecture: lambda_.Architecture | None = None,
        description: str | None = None,
    ) -> None:
        """A layer built from `source` for one runtime and architecture, without Docker.

        Args:
            source: the folder whose requirements (requirements.txt or uv.lock) and modules the layer holds: a name
                under `lambda_src/` or a path. Required.
            runtime: the one runtime the layer is built for. Default: `Runtime.PYTHON_3_14` (the functions' default).
            architecture: Default: `Architecture.ARM_64`.
            description: Default: none.
        """
        check_props(PythonLayer.__init__, locals())
        super().__init__(scope, id)
        guard(self)
        function_rules.check_source_text(self, source)
        d = self.defaults
        self.source_dir = resolve_source(source, d.source_root)
        self.runtime = runtime or d.runtime
        self.architecture = architecture or d.architecture
        function_rules.check_source_dir(self, source, self.source_dir)
        function_rules.check_runtime(self, self.runtime)
        target = target_for(self, self.runtime.name, self.architecture.name)
        dependencies = install_dependencies(self, self.source_dir, target)
        lambda_layout = in_lambda_layout(self.source_dir)
        if lambda_layout is not None:  # python/ already holds what goes on sys.path: it is the layer's python/
            bundle = build_bundle(lambda_layout, exclude=list(d.asset_exclude), dependencies=dependencies)
            own = top_level_modules(lambda_layout)
        else:  # the folder is one package: python/<folder name>/...
            bundle = build_bundle(None, exclude=list(d.asset_exclude), shared=[self.source_dir],
                                  dependencies=dependencies)
            own = frozenset({self.source_dir.name})
        rules.check_unzipped_size(self, bundle.unzipped_bytes, dependencies.largest() if dependencies else [])
        self.bundle = bundle
        self.modules = own | (dependencies.modules if dependencies else frozenset())
        self.layer = lambda_.LayerVersion(
            self, "Layer",
            code=lambda_.Code.from_asset(str(_layer_folder(bundle.path, bundle.asset_hash)),
                                         asset_hash=f"layer{bundle.asset_hash}",
                                         asset_hash_type=AssetHashType.CUSTOM,
                                         follow_symlinks=SymlinkFollowMode.ALWAYS),
            compatible_runtimes=[self.runtime],
            compatible_architectures=[self.architecture],
            description=description or f"{self.source_dir.name} (shared code) for {self.runtime.name}",
        )

    def info(self) -> LayerInfo:
        return LayerInfo(self.node.path, self.modules, self.bundle.unzipped_bytes, [self.runtime.name],
                         [self.architecture.name])


def layer_info(layer: PythonLayer | lambda_.ILayerVersion) -> LayerInfo:
    """What the import and size checks know of a layer: everything of a `PythonLayer`, the runtimes and
    architectures of another (its content is unknown at synth)."""
    if isinstance(layer, PythonLayer):
        return layer.info()
    runtimes = [r.name for r in layer.compatible_runtimes] if layer.compatible_runtimes else None
    cfn = layer.node.default_child
    architectures = list(cfn.compatible_architectures or []) if isinstance(cfn, lambda_.CfnLayerVersion) else None
    return LayerInfo(layer.node.path, None, 0, runtimes, architectures or None)


def resolve_source(source: str, source_root: str) -> Path:
    """`"name"` -> `<source_root>/name`; anything with a path separator (or absolute) is a path."""
    path = Path(source)
    if path.is_absolute() or len(path.parts) > 1 or source.startswith("."):
        return path.resolve()
    return (Path(source_root) / source).resolve()


def in_lambda_layout(folder: Path) -> Path | None:
    """`folder/python` when the folder is laid out as Lambda reads a layer (a `python/` folder and no Python modules
    beside it), else None."""
    inner = folder / "python"
    if inner.is_dir() and not any(folder.glob("*.py")):
        return inner
    return None


def shown_path(path: Path) -> str:
    """A source folder as the tools show it: relative to the cdk.json folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _layer_folder(bundle: Path, asset_hash: str) -> Path:
    """Lambda puts `python/` of a layer on sys.path: a folder whose `python` links to the bundle."""
    folder = cache_dir() / "layers" / asset_hash
    link = folder / "python"
    if not link.is_symlink():
        folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # another synth made it first
            link.symlink_to(bundle, target_is_directory=True)
    return folder
