"""Allow ``python -m duizhao``."""

from duizhao.cli import main

main()
