"""Run the `duizhao` CLI in a fresh process with the test encoder double (see encoder_double).

For subprocess tests about reading and plumbing, where a hang must be bounded by a timeout
and the real encoder would only add minutes: ``python tests/fake_encoder_cli.py build …``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from encoder_double import FakeEncoder  # noqa: E402

import duizhao.embed  # noqa: E402

duizhao.embed.load_encoder = lambda name_or_path=None: FakeEncoder()  # type: ignore[assignment]
# the double stands in for the bundled default, so an index it made needs no --model
_is_default = duizhao.embed.is_default
duizhao.embed.is_default = (  # type: ignore[assignment]
    lambda name: name == FakeEncoder.name or _is_default(name))

from duizhao.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
