package org.ptth.relay.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** The protocol's calls made with the JDK's HTTP client, one HTTP exchange per stream. */
public final class RelayCalls {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;

    public RelayCalls(final String base) {
        this.base = base;
    }

    /** The relay's base URL, ending in '/'. */
    public String base() {
        return base;
    }

    /** The client itself, for a call the helpers here do not make. */
    public HttpClient http() {
        return http;
    }

    public HttpRequest.Builder post(final String key, final String path) {
        final HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return b;
    }

    public HttpResponse<String> text(final String key, final String path) throws IOException, InterruptedException {
        return http.send(post(key, path).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public CompletableFuture<HttpResponse<String>> textAsync(final String key, final String path) {
        return http.sendAsync(post(key, path).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A POST whose response body streams in; completes when the headers arrive. */
    public CompletableFuture<HttpResponse<InputStream>> download(final String key, final String path) {
        return http.sendAsync(post(key, path).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofInputStream());
    }

    /** A POST whose body is whatever is written to the returned upload's stream, chunked. */
    public Upload upload(final String key, final String path) throws IOException {
        final PipedInputStream in = new PipedInputStream(64 * 1024);
        final PipedOutputStream out = new PipedOutputStream(in);
        final CompletableFuture<HttpResponse<String>> response = http.sendAsync(
                post(key, path).POST(HttpRequest.BodyPublishers.ofInputStream(() -> in)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Upload(out, response);
    }

    public record Upload(PipedOutputStream body, CompletableFuture<HttpResponse<String>> response) {
    }
}
