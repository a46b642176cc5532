"""The web app (`midstance serve`, `midstance worker`): accounts, runners, uploads analysed by
separate worker processes, timelines, pain diary and before/after comparison. See docs/web.md.

A front end only: every analysis is :func:`midstance.pipeline.run_full`; nothing here measures gait."""
