# syntax=docker/dockerfile:1
#
# anomgen in a container: a static binary (CGO_ENABLED=0; every driver,
# SQLite included, is pure Go) on a distroless image, run as a non-root
# user. The default command serves the workspace mounted at /workspace
# with the daemon, its health, metrics and status page on port 9464.
#
# No container engine runs in this repository's tests: this file is
# documented (README, "Running in a container") but not built by them.
#
#   docker build -t anomgen --build-arg VERSION=$(git describe --always) .
#   docker run --rm -p 127.0.0.1:9464:9464 -v "$PWD/workspace:/workspace" anomgen

ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# Modules first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/anomgen ./cmd/anomgen

# distroless/static: no shell, no package manager; CA certificates and
# tzdata (schedule timezones) are included. Its nonroot user is 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/anomgen /usr/local/bin/anomgen
USER 65532:65532
# The workspace (scenario files, .anomgen/ state, lock and audit log):
# mount it writable for user 65532.
WORKDIR /workspace
EXPOSE 9464
ENTRYPOINT ["/usr/local/bin/anomgen"]
CMD ["daemon", "-listen", "0.0.0.0:9464", "/workspace"]
