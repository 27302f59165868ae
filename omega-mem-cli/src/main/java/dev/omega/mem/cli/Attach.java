package dev.omega.mem.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code omega memory --attach URL}: the same questions asked of a running application through its
 * dashboard's API ({@code /api/status}, {@code /api/report}, {@code /api/diagnosis}), so the
 * application decides what its figures are and the command only prints them.
 *
 * <p>The server at the other end is not trusted to behave:
 *
 * <ul>
 *   <li>The whole exchange (connect, request, every byte of the answer) has one deadline, {@code
 *       --timeout}; a server that accepts and never answers, or trickles its answer, is given up on
 *       when it passes.
 *   <li>An answer over {@value #MAX_BODY_BYTES} bytes is refused as it arrives, without being kept.
 *   <li>What the server sent is printed through {@link UntrustedText}: no escape sequences, no
 *       carriage returns, no controls other than newline and tab.
 * </ul>
 *
 * <p>The address may carry a base path (a dashboard behind a proxy at {@code http://host/omega/});
 * the API is asked under it ({@code /omega/api/status}). Its query, if any, is passed on (so {@code
 * ?token=...} reaches a dashboard that wants a token).
 *
 * <p>Every way of not getting an answer (an address that is not a dashboard's, a server that is
 * down, slow, too talkative or answers with an error) is one line on stderr and exit code 2.
 */
final class Attach {
  /** The largest answer read: far above a report of the most samples the dashboard gives. */
  static final int MAX_BODY_BYTES = 8 << 20;

  /** Exit code when no answer was had: as for a usage error, the run told nothing. */
  static final int NO_ANSWER = 2;

  private Attach() {}

  /** Why an attach got no answer: one line for the user, printed as it is. */
  private static final class NoAnswer extends Exception {
    private static final long serialVersionUID = 1L;

    NoAnswer(String message) {
      super(message, null, false, false);
    }
  }

  static int run(
      String address,
      Duration deadline,
      MemoryCommand.Action action,
      MemoryCommand.Format format,
      PrintWriter out,
      PrintWriter err)
      throws InterruptedException {
    URI base;
    try {
      base = dashboard(address);
    } catch (NoAnswer e) {
      err.println(UntrustedText.oneLine(e.getMessage()));
      err.flush();
      return NO_ANSWER;
    }
    if (action.monitor) {
      out.println("dashboard: " + base);
      out.flush();
      return 0;
    }
    String kind = format == MemoryCommand.Format.JSON ? "json" : "text";
    String api = action.status ? "api/status" : action.report ? "api/report" : "api/diagnosis";
    URI uri = endpoint(base, api, "format=" + kind);
    String body;
    try {
      body = UntrustedText.forTerminal(fetch(uri, deadline));
    } catch (NoAnswer e) {
      err.println(UntrustedText.oneLine(e.getMessage()));
      err.flush();
      return NO_ANSWER;
    }
    if (action.diagnose) {
      boolean none = kind.equals("json") ? body.strip().equals("[]") : body.isBlank();
      if (kind.equals("text")) {
        out.print(none ? "no problems found\n" : indent(body));
      } else {
        out.print(body);
      }
      out.flush();
      return none ? 0 : 1;
    }
    out.print(body);
    out.flush();
    return 0;
  }

  /**
   * The dashboard's address from {@code --attach}: http or https, a host, a port in range, and a
   * path that ends with {@code /} (one is added), so the API resolves under it.
   */
  static URI dashboard(String address) throws NoAnswer {
    String expected = "--attach needs a dashboard's http address, such as http://127.0.0.1:8080/";
    URI uri;
    try {
      uri = new URI(address.strip());
    } catch (URISyntaxException e) {
      throw new NoAnswer(expected + "; got " + address + " (" + e.getMessage() + ")");
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
      throw new NoAnswer(expected + "; got " + address + " (the scheme is not http or https)");
    }
    if (uri.isOpaque() || uri.getHost() == null) {
      throw new NoAnswer(expected + "; got " + address + " (no host name or address)");
    }
    if (uri.getPort() != -1 && (uri.getPort() < 1 || uri.getPort() > 65535)) {
      throw new NoAnswer(
          expected + "; got " + address + " (port " + uri.getPort() + " is not 1 to 65535)");
    }
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (!path.endsWith("/")) {
      path = path + "/";
    }
    try {
      return new URI(
          uri.getScheme().toLowerCase(Locale.ROOT)
              + "://"
              + uri.getRawAuthority()
              + path
              + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
    } catch (URISyntaxException e) {
      throw new NoAnswer(expected + "; got " + address + " (" + e.getMessage() + ")");
    }
  }

  /** {@code api} under the dashboard's base path, with {@code query} and the base's own query. */
  static URI endpoint(URI base, String api, String query) {
    String given = base.getRawQuery();
    return URI.create(
        base.getScheme()
            + "://"
            + base.getRawAuthority()
            + base.getRawPath()
            + api
            + "?"
            + query
            + (given == null ? "" : "&" + given));
  }

  /** The body of {@code uri}'s 200 answer, all of it within {@code deadline}. */
  private static String fetch(URI uri, Duration deadline) throws NoAnswer, InterruptedException {
    String shown = withoutQuery(uri);
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(deadline)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    try {
      CompletableFuture<HttpResponse<byte[]>> exchange =
          client.sendAsync(
              HttpRequest.newBuilder(uri).timeout(deadline).GET().build(),
              info -> new CappedBody(MAX_BODY_BYTES));
      HttpResponse<byte[]> response;
      try {
        response = exchange.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        exchange.cancel(true);
        throw new NoAnswer(
            "no answer from " + shown + " within " + deadline.toSeconds() + " s (--timeout)");
      } catch (ExecutionException e) {
        throw failure(shown, e.getCause());
      }
      String body = new String(response.body(), StandardCharsets.UTF_8);
      if (response.statusCode() != 200) {
        String why = body.strip().lines().findFirst().orElse("");
        throw new NoAnswer(shown + " answered HTTP " + response.statusCode() + ": " + why);
      }
      return body;
    } finally {
      // Ends the exchange's connection at once; close() would wait for a server that stalls.
      client.shutdownNow();
    }
  }

  private static NoAnswer failure(String shown, Throwable cause) {
    if (cause instanceof BodyTooLarge) {
      return new NoAnswer(
          shown + " sent an answer over " + MAX_BODY_BYTES + " bytes; it is not a dashboard's");
    }
    if (cause instanceof HttpTimeoutException) {
      return new NoAnswer(
          "no answer from " + shown + " in time (--timeout): " + cause.getMessage());
    }
    if (cause instanceof ConnectException) {
      return new NoAnswer(
          "cannot reach "
              + shown
              + " ("
              + (cause.getMessage() == null ? "connection refused" : cause.getMessage())
              + "): is the application running with dashboard_port set?");
    }
    return new NoAnswer(
        "cannot read "
            + shown
            + ": "
            + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage()));
  }

  /** The address as shown in a message: without its query, which may hold a token. */
  private static String withoutQuery(URI uri) {
    String text = uri.toString();
    int query = text.indexOf('?');
    return query < 0 ? text : text.substring(0, query);
  }

  /** An answer refused for its size. */
  private static final class BodyTooLarge extends IOException {
    private static final long serialVersionUID = 1L;

    BodyTooLarge() {
      super("answer too large", null);
    }
  }

  /**
   * Collects a body up to {@code cap} bytes; past it, cancels the exchange and fails with {@link
   * BodyTooLarge}, so an endless answer costs at most {@code cap} bytes of memory. Called by the
   * HTTP client one signal at a time, as {@link Flow.Subscriber} requires.
   */
  private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final int cap;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    CappedBody(int cap) {
      this.cap = cap;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (result.isDone()) {
        return;
      }
      for (ByteBuffer item : items) {
        if (item.remaining() > cap - bytes.size()) {
          subscription.cancel();
          result.completeExceptionally(new BodyTooLarge());
          return;
        }
        byte[] chunk = new byte[item.remaining()];
        item.get(chunk);
        bytes.write(chunk, 0, chunk.length);
      }
    }

    @Override
    public void onError(Throwable throwable) {
      result.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
      result.complete(bytes.toByteArray());
    }
  }

  private static String indent(String lines) {
    StringBuilder out = new StringBuilder();
    String[] findings = lines.strip().split("\n");
    out.append(findings.length).append(" finding(s):\n");
    for (String finding : findings) {
      out.append("  - ").append(finding).append('\n');
    }
    return out.toString();
  }
}
