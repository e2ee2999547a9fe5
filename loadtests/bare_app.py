"""The benchmark's bare endpoint: validates a declaration and does nothing else.

    uvicorn loadtests.bare_app:app --workers 2

Served like the service (uvicorn, the same number of processes, the same access log), it
shows what FastAPI, pydantic and uvicorn alone cost per lodgement on this machine.
"""

from fastapi import FastAPI, status

from clearance.declarations.schemas import DeclarationIn

app = FastAPI(title="bare lodgement endpoint")


@app.post("/v1/declarations", status_code=status.HTTP_202_ACCEPTED)
async def lodge(body: DeclarationIn) -> dict[str, str]:
    """Validate the body as the service does; store nothing."""
    return {"ucr": body.ucr, "state": "lodged"}
