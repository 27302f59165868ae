/**
 * The plugin SPI. Implementations register in {@code META-INF/services} and are found with {@link
 * java.util.ServiceLoader}; configuration names them ({@code allocation_strategy}, {@code
 * collection_strategy}). A provider is a small stateless factory: {@code name()} plus {@code
 * create(...)}.
 */
package dev.omega.mem.spi;
