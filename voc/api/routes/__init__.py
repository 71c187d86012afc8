"""One router module per resource; `voc.api.main.ROUTERS` lists them in order."""
