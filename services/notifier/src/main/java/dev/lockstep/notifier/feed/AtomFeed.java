package dev.lockstep.notifier.feed;

import com.rometools.rome.feed.atom.Category;
import com.rometools.rome.feed.atom.Content;
import com.rometools.rome.feed.atom.Entry;
import com.rometools.rome.feed.atom.Feed;
import com.rometools.rome.feed.atom.Link;
import com.rometools.rome.feed.atom.Person;
import com.rometools.rome.io.FeedException;
import com.rometools.rome.io.WireFeedOutput;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/** Writes a team's feed as Atom 1.0 (RFC 4287) with ROME. */
public final class AtomFeed {
  private AtomFeed() {}

  /**
   * The Atom document of a page of entries, newest first.
   *
   * @param selfUrl the feed's own URL
   * @param now the feed's update time when it has no entry
   */
  public static String write(String team, List<FeedEntry> entries, String selfUrl, Instant now) {
    Feed feed = new Feed("atom_1.0");
    feed.setId("urn:lockstep:feed:" + team);
    feed.setTitle("Lockstep: " + team);
    feed.setUpdated(Date.from(entries.isEmpty() ? now : entries.get(0).time()));
    Link self = new Link();
    self.setRel("self");
    self.setHref(selfUrl);
    self.setType("application/atom+xml");
    feed.setOtherLinks(List.of(self));
    Person author = new Person();
    author.setName("Lockstep notifier");
    feed.setAuthors(List.of(author));
    List<Entry> atomEntries = new ArrayList<>();
    for (FeedEntry entry : entries) {
      Entry atom = new Entry();
      atom.setId("urn:lockstep:notice:" + team + ":" + entry.noticeId());
      atom.setTitle(entry.subject());
      atom.setUpdated(Date.from(entry.time()));
      atom.setPublished(Date.from(entry.time()));
      Content content = new Content();
      content.setType("text");
      content.setValue(entry.body());
      atom.setContents(List.of(content));
      Category type = new Category();
      type.setTerm(entry.type());
      Category severity = new Category();
      severity.setTerm(entry.severity());
      severity.setScheme("urn:lockstep:severity");
      atom.setCategories(List.of(type, severity));
      atomEntries.add(atom);
    }
    feed.setEntries(atomEntries);
    try {
      return new WireFeedOutput().outputString(feed);
    } catch (FeedException e) {
      throw new IllegalStateException("cannot write the Atom feed of " + team, e);
    }
  }
}
