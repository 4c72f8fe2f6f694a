# Convenience wrappers; dev.py does the work (it needs only Python 3.11+).
.PHONY: demo test bench screenshots
demo:
	python3 dev.py demo
test:
	python3 dev.py test
bench:
	python3 dev.py bench
screenshots:
	QT_QPA_PLATFORM=offscreen .venv/bin/python -m app.ui.screenshots docs/screenshots
