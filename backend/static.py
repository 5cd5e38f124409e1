"""The file system the PWA's static files are served from: a path the OS refuses is not found."""

from __future__ import annotations

import errno
from typing import Any

from litestar.file_system import BaseLocalFileSystem
from litestar.types import FileInfo, PathType

# What stat() answers for a path that names no file, rather than for a broken disk: too
# long, a file used as a directory, a symlink loop.
_NO_SUCH_PATH = {errno.ENAMETOOLONG, errno.ENOTDIR, errno.ELOOP, errno.EINVAL}


class StaticFileSystem(BaseLocalFileSystem):
    """Litestar's local file system, except that an impossible path is FileNotFoundError.

    Litestar turns only FileNotFoundError into a 404: `/index.html%00.js` (stat() raises
    ValueError, embedded null byte), a 300-character name or `/index.html/x` were 500s.
    """

    async def info(self, path: PathType, **kwargs: Any) -> FileInfo:
        try:
            return await super().info(path, **kwargs)
        except ValueError:
            raise FileNotFoundError(errno.ENOENT, "no such file") from None
        except OSError as exc:
            if exc.errno in _NO_SUCH_PATH:
                raise FileNotFoundError(errno.ENOENT, "no such file") from None
            raise
