from govctl.cli import run

run()
