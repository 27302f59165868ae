package com.example.omega.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.example.omega.app.BatchRefcountApp.Summary;
import dev.omega.mem.runtime.OmegaMemory;
import org.junit.jupiter.api.Test;

class BatchRefcountAppTest {

  @Test
  void fromClasspath_configurationPicksBatchAndReferenceCounting() {
    try (OmegaMemory omega = OmegaMemory.fromClasspath()) {
      Summary s = BatchRefcountApp.run(omega);
      assertEquals("batch", s.strategy());
      assertEquals("reference-counting", s.collector());
    }
  }

  @Test
  void run_dropsTheListAndTheCycle_andKeepsTheRoot() {
    try (OmegaMemory omega = OmegaMemory.fromClasspath()) {
      Summary s = BatchRefcountApp.run(omega);
      assertEquals(1, s.liveObjects(), "only the rooted object is left");
      assertEquals(1002, s.objectsFreed(), "the 1,000-object list and the 2-object cycle");
    }
  }

  @Test
  void main_runsToTheEnd() {
    BatchRefcountApp.main(new String[0]);
  }
}
