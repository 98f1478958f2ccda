// Records as objects bound to the client they came from, the Cytomine way but typed:
//
//   VITRINE_ASSIGN_OR_RETURN(auto project, ProjectResource::Fetch(*client, ProjectId(42)));
//   project->description = "summer 2020";
//   VITRINE_RETURN_IF_ERROR(project.Save());      // sends only the fields that changed
//   auto images = project.Images(filter);         // a Pager<ImageResource>, page by page
//   while (auto image = images.Next()) { ... (*image)->Thumbnail() ... }
//
//   ProjectResource fresh(*client, {.name = "Traps"});
//   VITRINE_RETURN_IF_ERROR(fresh.Save());        // no id yet: creates it
//
// Save() compares the record with what the server last said and sends only the difference, so
// two scripts editing different fields of one project do not undo each other's work. After
// Save, Update, Refresh or Fetch the record is the server's answer. A resource refers to its
// client: the client must outlive it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>

#include "vitrine/client.h"
#include "vitrine/collections.h"

namespace vitrine {

// Fetch, Save, Update, Remove and Refresh for one kind of record, described by `Traits`:
//   Id, Changes; Get(client, id); Create(client, record); Apply(client, id, changes);
//   Delete(client, id); Diff(before, after) -> Changes; Empty(changes) -> bool.
template <class Derived, class Record, class Traits>
class Resource {
 public:
  using Id = typename Traits::Id;
  using Changes = typename Traits::Changes;

  // A record not yet stored (no id): Save() creates it.
  Resource(Client& client, Record record) : client_(&client), record_(std::move(record)) {
    if (record_.id.valid()) stored_ = record_;
  }

  static Result<Derived> Fetch(Client& client, Id id) {
    VITRINE_ASSIGN_OR_RETURN(Record record, Traits::Get(client, id));
    return Derived(client, std::move(record));
  }

  // Creates the record if it has no id yet; otherwise sends the fields changed since the server
  // last answered (nothing at all when none did).
  Status Save() {
    if (!stored_) {
      VITRINE_ASSIGN_OR_RETURN(Record created, Traits::Create(*client_, record_));
      return Accept(std::move(created));
    }
    Changes changes = Traits::Diff(*stored_, record_);
    if (Traits::Empty(changes)) return Status::Ok();
    return Update(changes);
  }

  // Applies explicit changes; local edits not part of them are replaced by the server's record.
  Status Update(const Changes& changes) {
    VITRINE_RETURN_IF_ERROR(RequireStored("update"));
    VITRINE_ASSIGN_OR_RETURN(Record updated, Traits::Apply(*client_, record_.id, changes));
    return Accept(std::move(updated));
  }

  // Reads the record again, dropping local edits.
  Status Refresh() {
    VITRINE_RETURN_IF_ERROR(RequireStored("refresh"));
    VITRINE_ASSIGN_OR_RETURN(Record fresh, Traits::Get(*client_, record_.id));
    return Accept(std::move(fresh));
  }

  // Deletes it on the server; the object then holds an unsaved copy (no id).
  Status Remove() {
    VITRINE_RETURN_IF_ERROR(RequireStored("remove"));
    VITRINE_RETURN_IF_ERROR(Traits::Delete(*client_, record_.id));
    record_.id = Id();
    stored_.reset();
    return Status::Ok();
  }

  bool stored() const { return stored_.has_value(); }
  bool modified() const { return !stored_ || !Traits::Empty(Traits::Diff(*stored_, record_)); }
  Id id() const { return record_.id; }
  const Record& record() const { return record_; }
  Record& operator*() { return record_; }
  const Record& operator*() const { return record_; }
  Record* operator->() { return &record_; }
  const Record* operator->() const { return &record_; }
  Client& client() const { return *client_; }

 private:
  Status Accept(Record record) {
    record_ = std::move(record);
    stored_ = record_;
    return Status::Ok();
  }
  Status RequireStored(const char* action) const {
    if (stored_) return Status::Ok();
    return Status::InvalidArgument(std::string("cannot ") + action + " a record that was never saved");
  }

  Client* client_;
  Record record_;
  std::optional<Record> stored_;  // what the server last said
};

namespace resource_traits {

template <class T>
void SetIfChanged(std::optional<T>& field, const T& before, const T& after) {
  if (before != after) field = after;
}

// The changes that turn `before` into `after`: removed keys map to nullopt.
inline void DiffProperties(const Properties& before, const Properties& after,
                           std::map<std::string, std::optional<std::string>>& changes) {
  for (const auto& [key, value] : before) {
    if (!after.contains(key)) changes[key] = std::nullopt;
  }
  for (const auto& [key, value] : after) {
    auto old = before.find(key);
    if (old == before.end() || old->second != value) changes[key] = value;
  }
}

struct ProjectTraits {
  using Id = ProjectId;
  using Changes = ProjectUpdate;
  static Result<Project> Get(Client& c, ProjectId id) { return c.GetProject(id); }
  static Result<Project> Create(Client& c, const Project& p) {
    VITRINE_ASSIGN_OR_RETURN(Project created, c.CreateProject(p.name, p.description));
    if (p.properties.empty()) return created;
    ProjectUpdate with_properties;
    DiffProperties({}, p.properties, with_properties.properties);
    return c.UpdateProject(created.id, with_properties);
  }
  static Result<Project> Apply(Client& c, ProjectId id, const ProjectUpdate& u) { return c.UpdateProject(id, u); }
  static Status Delete(Client& c, ProjectId id) { return c.DeleteProject(id); }
  static ProjectUpdate Diff(const Project& before, const Project& after) {
    ProjectUpdate u;
    SetIfChanged(u.name, before.name, after.name);
    SetIfChanged(u.description, before.description, after.description);
    DiffProperties(before.properties, after.properties, u.properties);
    return u;
  }
  static bool Empty(const ProjectUpdate& u) { return !u.name && !u.description && u.properties.empty(); }
};

struct ImageTraits {
  using Id = ImageId;
  using Changes = ImageUpdate;
  static Result<Image> Get(Client& c, ImageId id) { return c.GetImage(id); }
  static Result<Image> Create(Client&, const Image&) {
    return Status::InvalidArgument("an image is created by uploading its file: use ImageResource::Upload");
  }
  static Result<Image> Apply(Client& c, ImageId id, const ImageUpdate& u) { return c.UpdateImage(id, u); }
  static Status Delete(Client& c, ImageId id) { return c.DeleteImage(id); }
  static ImageUpdate Diff(const Image& before, const Image& after) {
    ImageUpdate u;
    SetIfChanged(u.filename, before.filename, after.filename);
    DiffProperties(before.properties, after.properties, u.properties);
    return u;
  }
  static bool Empty(const ImageUpdate& u) { return !u.filename && u.properties.empty(); }
};

struct UserTraits {
  using Id = UserId;
  using Changes = UserUpdate;
  static Result<User> Get(Client& c, UserId id) { return c.GetUser(id); }
  static Result<User> Create(Client&, const User&) {
    return Status::InvalidArgument("a new user needs a password: use UserResource::Create");
  }
  static Result<User> Apply(Client& c, UserId id, const UserUpdate& u) { return c.UpdateUser(id, u); }
  static Status Delete(Client&, UserId) {
    return Status::Unsupported("users are never deleted (their work keeps their name): disable the account");
  }
  static UserUpdate Diff(const User& before, const User& after) {
    UserUpdate u;
    SetIfChanged(u.name, before.name, after.name);
    SetIfChanged(u.email, before.email, after.email);
    SetIfChanged(u.admin, before.admin, after.admin);
    SetIfChanged(u.enabled, before.enabled, after.enabled);
    return u;
  }
  static bool Empty(const UserUpdate& u) { return !u.name && !u.email && !u.password && !u.admin && !u.enabled; }
};

}  // namespace resource_traits

class ImageResource : public Resource<ImageResource, Image, resource_traits::ImageTraits> {
 public:
  using Resource::Resource;

  static Result<ImageResource> Upload(Client& client, ProjectId project, const std::filesystem::path& file,
                                      const UploadOptions& options = {}) {
    VITRINE_ASSIGN_OR_RETURN(UploadResult uploaded, client.UploadImage(project, file, options));
    return ImageResource(client, std::move(uploaded.image));
  }
  Status Download(const std::filesystem::path& destination, const TransferProgress& progress = {}) const {
    return client().DownloadImage(id(), destination, progress);
  }
  Result<std::string> Thumbnail(int max_size = 256, std::string_view format = "jpg") const {
    return client().Thumbnail(id(), max_size, format);
  }
};

class ProjectResource : public Resource<ProjectResource, Project, resource_traits::ProjectTraits> {
 public:
  using Resource::Resource;

  // The project's images matching `filter`, fetched lazily page by page.
  Pager<ImageResource> Images(const ImageFilter& filter = {},
                              std::int64_t page_size = PageRequest::kDefaultLimit) const {
    Client* c = &client();
    ProjectId project = id();
    return Pager<ImageResource>(
        [c, project, filter](const PageRequest& page) -> Result<Page<ImageResource>> {
          VITRINE_ASSIGN_OR_RETURN(Page<Image> images, c->ListImages(project, filter, page));
          Page<ImageResource> out;
          out.total = images.total;
          out.items.reserve(images.items.size());
          for (auto& image : images.items) out.items.emplace_back(*c, std::move(image));
          return out;
        },
        page_size);
  }
  Result<ImageResource> Upload(const std::filesystem::path& file, const UploadOptions& options = {}) const {
    return ImageResource::Upload(client(), id(), file, options);
  }
  Result<std::vector<ProjectMember>> Members() const { return client().ListMembers(id()); }
  Result<ProjectMember> SetMember(UserId user, ProjectRole role) const { return client().SetMember(id(), user, role); }
  Status RemoveMember(UserId user) const { return client().RemoveMember(id(), user); }
};

class UserResource : public Resource<UserResource, User, resource_traits::UserTraits> {
 public:
  using Resource::Resource;

  static Result<UserResource> Create(Client& client, const NewUser& user) {
    VITRINE_ASSIGN_OR_RETURN(User created, client.CreateUser(user));
    return UserResource(client, std::move(created));
  }
  static Result<UserResource> Find(Client& client, std::string_view username) {
    VITRINE_ASSIGN_OR_RETURN(User found, client.FindUser(username));
    return UserResource(client, std::move(found));
  }
  static Result<UserResource> Current(Client& client) {
    VITRINE_ASSIGN_OR_RETURN(User me, client.CurrentUser());
    return UserResource(client, std::move(me));
  }
};

}  // namespace vitrine
