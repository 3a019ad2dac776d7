package dev.lockstep.recorder.store;

import io.micronaut.context.annotation.ConfigurationProperties;

/**
 * Where the event store lives ({@code lockstep.recorder.database.*}). The same settings give the
 * R2DBC URL the recorder writes through and the JDBC URL its migrations run over.
 */
@ConfigurationProperties("lockstep.recorder.database")
public class DatabaseSettings {
  private String host = "localhost";
  private int port = 5432;
  private String name = "lockstep";
  private String username = "lockstep";
  private String password = "";
  private int poolSize = 4;

  /** Settings for a server and database, for code that runs outside a Micronaut context. */
  public static DatabaseSettings of(
      String host, int port, String name, String username, String password) {
    DatabaseSettings settings = new DatabaseSettings();
    settings.setHost(host);
    settings.setPort(port);
    settings.setName(name);
    settings.setUsername(username);
    settings.setPassword(password);
    return settings;
  }

  /** The JDBC URL (migrations, bulk tools), without credentials. */
  public String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + name;
  }

  public String getHost() {
    return host;
  }

  public void setHost(String host) {
    this.host = host;
  }

  public int getPort() {
    return port;
  }

  public void setPort(int port) {
    this.port = port;
  }

  /** The database name. */
  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getUsername() {
    return username;
  }

  public void setUsername(String username) {
    this.username = username;
  }

  /** The password; empty where the server trusts the connection. Never logged. */
  public String getPassword() {
    return password;
  }

  public void setPassword(String password) {
    this.password = password == null ? "" : password;
  }

  /** The most connections the pool opens. */
  public int getPoolSize() {
    return poolSize;
  }

  public void setPoolSize(int poolSize) {
    this.poolSize = poolSize;
  }

  @Override
  public String toString() {
    return username + "@" + host + ":" + port + "/" + name;
  }
}
