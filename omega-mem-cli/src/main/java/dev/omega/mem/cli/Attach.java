package dev.omega.mem.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import picocli.CommandLine;

/**
 * {@code omega memory --attach URL}: the same questions asked of a running application through its
 * dashboard's API ({@code /api/status}, {@code /api/report}, {@code /api/diagnosis}), so the
 * application decides what its figures are and the command only prints them.
 */
final class Attach {
  private Attach() {}

  static int run(
      URI base,
      MemoryCommand.Action action,
      MemoryCommand.Format format,
      PrintWriter out,
      PrintWriter err,
      CommandLine.Model.CommandSpec spec)
      throws InterruptedException {
    if (base.getScheme() == null
        || !(base.getScheme().equals("http") || base.getScheme().equals("https"))
        || base.getHost() == null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--attach needs the dashboard's http address, such as http://127.0.0.1:8080/; got "
              + base);
    }
    if (action.monitor) {
      out.println("dashboard: " + base);
      out.flush();
      return 0;
    }
    String kind = format == MemoryCommand.Format.JSON ? "json" : "text";
    String path = action.status ? "/api/status" : action.report ? "/api/report" : "/api/diagnosis";
    URI uri = base.resolve(path + "?format=" + kind);
    HttpResponse<String> response;
    try {
      response =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(5))
              .build()
              .send(
                  HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
                  HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException | HttpTimeoutException e) {
      err.println(
          "cannot reach "
              + base
              + " ("
              + e
              + "): is the application running with dashboard_port set?");
      return 1;
    } catch (IOException e) {
      err.println("cannot read " + uri + ": " + e);
      return 1;
    }
    if (response.statusCode() != 200) {
      err.println(uri + " answered HTTP " + response.statusCode() + ": " + response.body().strip());
      return 1;
    }
    String body = response.body();
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
