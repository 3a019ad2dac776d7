package dev.lockstep.notifier.channel;

import dev.lockstep.notifier.subscription.ChannelConfig;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Properties;

/**
 * E-mail over SMTP (Jakarta Mail). Settings: {@code host}, {@code port} (25), {@code from}, {@code
 * to} (comma-separated), {@code starttls} ({@code true}: use it when offered; {@code required}:
 * refuse without it), {@code username}; secret reference {@code password} (authentication is on
 * when a username is set). The host must be allowed (see {@link ChannelPolicy}). The delivery id
 * travels as the {@code X-Lockstep-Delivery} header.
 */
public final class EmailSender implements ChannelSender {
  private final ChannelPolicy policy;
  private final Duration timeout;

  public EmailSender(ChannelPolicy policy, Duration timeout) {
    this.policy = policy;
    this.timeout = timeout;
  }

  @Override
  public String type() {
    return "email";
  }

  /** The SMTP host a channel sends to: its {@code host} setting, {@code localhost} without one. */
  public static String host(ChannelConfig channel) {
    return channel.setting("host", "localhost");
  }

  @Override
  public void send(Outgoing outgoing) throws DeliveryException {
    var channel = outgoing.channel();
    String host = host(channel);
    policy.checkHost(channel, host);
    String starttls = channel.setting("starttls", "false");
    String username = channel.setting("username", null);
    Properties properties = new Properties();
    properties.put("mail.smtp.host", host);
    properties.put("mail.smtp.port", channel.setting("port", "25"));
    properties.put("mail.smtp.starttls.enable", String.valueOf(!"false".equals(starttls)));
    properties.put("mail.smtp.starttls.required", String.valueOf("required".equals(starttls)));
    properties.put("mail.smtp.auth", String.valueOf(username != null));
    properties.put("mail.smtp.connectiontimeout", String.valueOf(timeout.toMillis()));
    properties.put("mail.smtp.timeout", String.valueOf(timeout.toMillis()));
    properties.put("mail.smtp.writetimeout", String.valueOf(timeout.toMillis()));
    List<String> secretValues = new ArrayList<>();
    String password = null;
    if (username != null) {
      password = policy.secret(channel, "password");
      secretValues.add(password);
    }
    try {
      Session session = Session.getInstance(properties);
      MimeMessage mail = new MimeMessage(session);
      mail.setFrom(new InternetAddress(channel.setting("from", "lockstep@localhost")));
      mail.setRecipients(
          Message.RecipientType.TO, InternetAddress.parse(channel.setting("to", "")));
      mail.setSubject(outgoing.subject(), StandardCharsets.UTF_8.name());
      mail.setText(outgoing.text(), StandardCharsets.UTF_8.name());
      mail.setSentDate(Date.from(outgoing.notice().time()));
      mail.setHeader("X-Lockstep-Delivery", outgoing.deliveryId());
      if (username != null) {
        Transport.send(mail, username, password);
      } else {
        Transport.send(mail);
      }
    } catch (MessagingException e) {
      throw new DeliveryException(
          "email " + channel.name() + ": " + Secrets.redact(e.getMessage(), secretValues));
    }
  }
}
