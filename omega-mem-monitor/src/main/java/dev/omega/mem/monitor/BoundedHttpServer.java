package dev.omega.mem.monitor;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The dashboard's HTTP/1.1 server: small, for GET and HEAD, and bounded in what any one client can
 * hold, so that every client gets an answer within a bounded time whatever the others do.
 *
 * <p>Why not the JDK's {@code HttpServer}: it reads a request's header block on an executor thread
 * with no deadline, so two clients that send half a header each hold a two-thread executor for
 * good, and its only request deadline ({@code sun.net.httpserver.maxReqTime}) is a JVM-wide
 * property read once, which a library embedded in someone's application must not set.
 *
 * <p>Design:
 *
 * <ul>
 *   <li>One acceptor thread. An accepted connection takes one of {@code maxConnections} slots; when
 *       none is free it is answered {@code 503} and closed at once, so a flood never queues work.
 *   <li>Each admitted connection is served on a virtual thread of its own: one request, one reply,
 *       then the connection is closed ({@code Connection: close}); a slow client costs a slot and a
 *       virtual thread, never a thread another client is waiting for.
 *   <li>Deadlines: the whole header block must arrive within {@code headerTimeout} and the reply
 *       (handler and write) must be done within {@code responseTimeout}. A timer closes the socket
 *       when a deadline passes, which ends a read or write blocked on a client that trickles bytes
 *       (a per-read timeout alone would not: one byte a second renews it). So a slot is held for at
 *       most {@code headerTimeout + responseTimeout}.
 *   <li>A header block is at most {@value #MAX_HEADER_BYTES} bytes and {@value #MAX_HEADER_LINES}
 *       lines; a request body is never read.
 *   <li>Every reply, the server's own refusals included, carries {@code X-Content-Type-Options:
 *       nosniff} and {@code Cache-Control: no-store}.
 * </ul>
 *
 * <p>Thread safety: {@link #start()} and {@link #close()} are synchronized; connections share only
 * the slot semaphore, the set of open sockets and the deadline timer, which are thread-safe.
 */
final class BoundedHttpServer implements AutoCloseable {
  static final int MAX_HEADER_BYTES = 16 * 1024;
  static final int MAX_HEADER_LINES = 100;

  /** How much one client may hold: open connections, and time to send a request and get a reply. */
  record Limits(int maxConnections, Duration headerTimeout, Duration responseTimeout) {
    static final Limits DEFAULT = new Limits(32, Duration.ofSeconds(5), Duration.ofSeconds(10));

    Limits {
      if (maxConnections < 1) {
        throw new IllegalArgumentException("maxConnections must be positive: " + maxConnections);
      }
      Objects.requireNonNull(headerTimeout, "headerTimeout is null");
      Objects.requireNonNull(responseTimeout, "responseTimeout is null");
    }
  }

  /** A request head: the method, the target as a URI, and the headers by lower-case name. */
  record Request(String method, URI target, Map<String, String> headers) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** A reply: status, content type, extra headers and body (left out for HEAD). */
  record Response(int status, String contentType, Map<String, String> headers, byte[] body) {
    static Response text(int status, String text) {
      return new Response(
          status, "text/plain; charset=utf-8", Map.of(), text.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Answers one request; runs on the connection's virtual thread. */
  interface Handler {
    Response handle(Request request);
  }

  private final InetSocketAddress bind;
  private final Handler handler;
  private final Limits limits;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final ThreadFactory connectionThreads =
      Thread.ofVirtual().name("omega-dashboard-connection-", 0).factory();
  private Semaphore slots;
  private ScheduledThreadPoolExecutor deadlines;
  private ServerSocket serverSocket;
  private Thread acceptor;

  BoundedHttpServer(InetSocketAddress bind, Handler handler, Limits limits) {
    this.bind = Objects.requireNonNull(bind, "bind is null");
    this.handler = Objects.requireNonNull(handler, "handler is null");
    this.limits = Objects.requireNonNull(limits, "limits is null");
  }

  synchronized void start() throws IOException {
    if (serverSocket != null) {
      return;
    }
    ServerSocket socket = new ServerSocket();
    try {
      socket.bind(bind, limits.maxConnections());
    } catch (IOException e) {
      socket.close();
      throw e;
    }
    serverSocket = socket;
    slots = new Semaphore(limits.maxConnections());
    deadlines =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "omega-dashboard-deadlines");
              t.setDaemon(true);
              return t;
            });
    deadlines.setRemoveOnCancelPolicy(true);
    acceptor = new Thread(() -> accept(socket), "omega-dashboard-acceptor");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The bound address, or {@code null} when not started. */
  synchronized InetSocketAddress address() {
    return serverSocket == null ? null : (InetSocketAddress) serverSocket.getLocalSocketAddress();
  }

  private void accept(ServerSocket server) {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (server.isClosed()) {
          return;
        }
        System.getLogger("omega.monitor")
            .log(System.Logger.Level.WARNING, "dashboard: accept failed; accepting goes on", e);
        continue;
      }
      if (!slots.tryAcquire()) {
        refuse(client);
        continue;
      }
      open.add(client);
      connectionThreads.newThread(() -> serve(client)).start();
    }
  }

  /** Answers 503 to a connection past the cap; the reply fits a socket buffer, so no wait. */
  private static void refuse(Socket client) {
    try (client) {
      client.setSoTimeout(1);
      write(
          client.getOutputStream(),
          Response.text(503, "the dashboard is serving too many connections; retry shortly\n"),
          false);
    } catch (IOException e) {
      // The client went away; nothing to tell it.
    }
  }

  private void serve(Socket client) {
    Future<?> deadline = closeAfter(client, limits.headerTimeout());
    try (client) {
      client.setSoTimeout(Math.toIntExact(Math.max(1, limits.headerTimeout().toMillis())));
      InputStream in = new BufferedInputStream(client.getInputStream());
      Response response;
      boolean head = false;
      try {
        Request request = readHead(in);
        head = request.method().equals("HEAD");
        deadline.cancel(false);
        deadline = closeAfter(client, limits.responseTimeout());
        response = handler.handle(request);
      } catch (BadRequest e) {
        deadline.cancel(false);
        deadline = closeAfter(client, limits.responseTimeout());
        response = Response.text(e.status, e.getMessage() + "\n");
      } catch (RuntimeException e) {
        response = Response.text(500, "the dashboard failed: " + e + "\n");
      }
      write(client.getOutputStream(), response, head);
    } catch (SocketException e) {
      // Closed by a deadline, or by the client: either way this connection is over.
    } catch (IOException e) {
      // A read timed out or the client went away mid-request.
    } finally {
      deadline.cancel(false);
      open.remove(client);
      slots.release();
    }
  }

  private Future<?> closeAfter(Socket client, Duration timeout) {
    try {
      return deadlines.schedule(
          () -> closeQuietly(client), timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // The server is closing: this connection ends now.
      closeQuietly(client);
      return CompletableFuture.completedFuture(null);
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // Closing is all that was wanted.
    }
  }

  /** A request the server answers itself: malformed, too large. */
  private static final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;

    BadRequest(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  static Request readHead(InputStream in) throws IOException, BadRequest {
    ByteArrayOutputStream block = new ByteArrayOutputStream(512);
    int last4 = 0;
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new SocketException("the client closed the connection mid-request");
      }
      block.write(b);
      if (block.size() > MAX_HEADER_BYTES) {
        throw new BadRequest(
            431, "the request header block is over " + MAX_HEADER_BYTES + " bytes");
      }
      last4 = (last4 << 8) | b;
      if (last4 == 0x0d0a0d0a || (last4 & 0xffff) == 0x0a0a) {
        break;
      }
    }
    String[] lines = block.toString(StandardCharsets.ISO_8859_1).split("\r?\n");
    if (lines.length > MAX_HEADER_LINES + 1) {
      throw new BadRequest(431, "the request has over " + MAX_HEADER_LINES + " header lines");
    }
    String[] requestLine = lines[0].split(" ", -1);
    if (requestLine.length != 3
        || !requestLine[2].startsWith("HTTP/1.")
        || !requestLine[1].startsWith("/")) {
      throw new BadRequest(400, "a request line reads: METHOD /path HTTP/1.1");
    }
    URI target;
    try {
      target = new URI(requestLine[1]);
    } catch (URISyntaxException e) {
      throw new BadRequest(400, "the request target is not a URI path: " + e.getReason());
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon <= 0) {
        throw new BadRequest(400, "a header line reads: Name: value");
      }
      String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = lines[i].substring(colon + 1).trim();
      if (headers.putIfAbsent(name, value) != null && name.equals("host")) {
        throw new BadRequest(400, "a request has one Host header");
      }
    }
    return new Request(requestLine[0], target, headers);
  }

  private static void write(OutputStream out, Response response, boolean head) throws IOException {
    StringBuilder text =
        new StringBuilder("HTTP/1.1 ")
            .append(response.status())
            .append(' ')
            .append(reason(response.status()))
            .append("\r\n");
    text.append("Content-Type: ").append(response.contentType()).append("\r\n");
    text.append("Content-Length: ").append(response.body().length).append("\r\n");
    text.append("X-Content-Type-Options: nosniff\r\n");
    text.append("Cache-Control: no-store\r\n");
    text.append("Connection: close\r\n");
    response.headers().forEach((k, v) -> text.append(k).append(": ").append(v).append("\r\n"));
    text.append("\r\n");
    out.write(text.toString().getBytes(StandardCharsets.ISO_8859_1));
    if (!head) {
      out.write(response.body());
    }
    out.flush();
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 421 -> "Misdirected Request";
      case 431 -> "Request Header Fields Too Large";
      case 503 -> "Service Unavailable";
      default -> status >= 500 ? "Server Error" : "Status";
    };
  }

  @Override
  public synchronized void close() {
    if (serverSocket == null) {
      return;
    }
    closeQuietly(serverSocket);
    open.forEach(BoundedHttpServer::closeQuietly);
    deadlines.shutdownNow();
    try {
      acceptor.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    serverSocket = null;
  }

  private static void closeQuietly(ServerSocket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // Closing is all that was wanted.
    }
  }
}
