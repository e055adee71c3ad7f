FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY issp_portal issp_portal
COPY domain domain
COPY surveys surveys
COPY obs_server obs_server
COPY pipelines pipelines
COPY archive archive
COPY notifications notifications
COPY planner planner
COPY portal portal
COPY templates templates
COPY static static
COPY manage.py ./
RUN pip install --no-cache-dir . && DEBUG=true python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "issp_portal.wsgi:application", "--preload", "--bind", "0.0.0.0:8000", "--workers", "3"]
