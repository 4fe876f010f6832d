# fakellm in a container: `docker build -t fakellm . && docker run -p 8000:8000 fakellm`
# Listens on 0.0.0.0 and on $PORT (8000 unless the platform sets another).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000

WORKDIR /src
COPY pyproject.toml README.md ./
COPY fakellm ./fakellm
COPY scenarios ./scenarios
RUN pip install . \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin fakellm

USER fakellm
WORKDIR /home/fakellm
EXPOSE 8000
CMD ["fakellm", "serve", "--host", "0.0.0.0"]
