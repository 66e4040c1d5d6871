# A minimal image: the static musl binary on scratch (about 10 MB).
#   docker build -t monolens .
#   docker run --rm -v "$PWD:/src" monolens scan /src --no-history
# There is no git in the image, so co-change history and --new-since are not available in it:
# use --no-history (or the release binary where git is installed).
FROM rust:1-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /build
COPY . .
RUN cargo build --release --locked && strip target/release/monolens

FROM scratch
COPY --from=build /build/target/release/monolens /monolens
WORKDIR /src
ENTRYPOINT ["/monolens"]
CMD ["scan", "/src", "--no-history"]
