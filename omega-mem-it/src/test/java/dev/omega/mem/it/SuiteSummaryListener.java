package dev.omega.mem.it;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Prints {@link SuiteTally#summary()} when a JUnit session over this module ends; registered in
 * {@code META-INF/services}, so Failsafe and {@code omega test} both print it.
 */
public final class SuiteSummaryListener implements LauncherSessionListener {
  @Override
  public void launcherSessionClosed(LauncherSession session) {
    if (SuiteTally.anythingCounted()) {
      System.out.println(SuiteTally.summary());
    }
  }
}
