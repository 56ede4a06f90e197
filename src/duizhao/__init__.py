"""duizhao (对照): find passages from earlier 对照检查材料 to adapt, by dimension, role and section.

The library works without the CLI: ``duizhao.ingest`` turns files into labelled passages,
``duizhao.library`` builds and grows an index, ``duizhao.search`` answers queries.
"""

__version__ = "0.1.0"
