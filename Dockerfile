# The one micromegas binary, for every role (docs/operations.md):
#
#   docker build -t micromegas .
#   docker run -p 9000:9000 -p 4317:4317 -p 50051:50051 -p 3000:3000 \
#     -e MICROMEGAS_API_KEYS='[{"name": "me", "key": "<secret>", "scope": "admin"}]' micromegas serve
#
# It listens on every interface inside the container, so it refuses to
# start without authentication (docs/auth.md).
#
# DuckDB is linked statically through cgo, so the build needs a C/C++
# toolchain; the binary still loads libstdc++ and libgcc_s (ldd), which the
# slim runtime image gets beside CA certificates.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=1 go build -tags=duckdb_arrow -trimpath -buildvcs=false \
      -ldflags="-s -w -X main.version=${VERSION}" -o /out/micromegas ./cmd/micromegas

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libstdc++6 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/micromegas --create-home micromegas
COPY --from=build /out/micromegas /usr/local/bin/micromegas
USER micromegas
WORKDIR /var/lib/micromegas
# Inside a container the listeners must accept other hosts, so serve
# refuses to start without authentication: give it MICROMEGAS_API_KEYS
# and/or MICROMEGAS_OIDC_CONFIG (docs/auth.md).
ENV MICROMEGAS_DATA_DIR=/var/lib/micromegas \
    MICROMEGAS_INGESTION_ADDR=0.0.0.0:9000 \
    MICROMEGAS_FLIGHTSQL_ADDR=0.0.0.0:50051 \
    MICROMEGAS_WEB_ADDR=0.0.0.0:3000 \
    MICROMEGAS_OTLP_GRPC_ADDR=0.0.0.0:4317 \
    MICROMEGAS_HEALTH_ADDR=0.0.0.0:9090
EXPOSE 9000 4317 50051 3000 9090
ENTRYPOINT ["/usr/local/bin/micromegas"]
CMD ["serve"]
