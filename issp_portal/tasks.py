"""Infrastructure tasks."""
import os
import socket

from celery import shared_task


@shared_task(name="issp_portal.ping")
def ping(payload: str = "ping") -> dict:
    """Round trip through the broker: proves a worker took the task and answered."""
    return {"echo": payload, "hostname": socket.gethostname(), "pid": os.getpid()}
