"""The HTTP API: `create_app(settings)` in `voc.api.main`, served by `voc serve`.

Nothing is imported or built here, so `import voc.api` stays free of side effects.
"""
