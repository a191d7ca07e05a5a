# Build a static binary, then ship it alone on a distroless base as non-root.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/huddle ./cmd/huddle \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /out/huddle /app/huddle
COPY --from=build /src/scenarios /app/scenarios
COPY --from=build --chown=nonroot:nonroot /out/data /data
ENV HUDDLE_ADDR=:8080 HUDDLE_DATA=/data HUDDLE_SCENARIOS=/app/scenarios
EXPOSE 8080
VOLUME /data
USER nonroot:nonroot
ENTRYPOINT ["/app/huddle"]
