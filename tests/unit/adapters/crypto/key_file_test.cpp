// Key files: only their owner may have any access, a signing key is 64 hex characters, and a new
// key file is created 0600 and never replaces an existing one.
#include "adapters/crypto/key_file.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace colonies::crypto {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kKey = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("key-file-test-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content, fs::perms mode) {
    const auto path = dir_ / name;
    std::ofstream(path) << content;
    fs::permissions(path, mode);
    return path.string();
  }
  static mode_t mode_of(const std::string& path) {
    struct stat info {};
    ::stat(path.c_str(), &info);
    return info.st_mode & 07777;
  }

  fs::path dir_;
  static constexpr fs::perms kOwnerOnly = fs::perms::owner_read | fs::perms::owner_write;
};

TEST_F(KeyFileTest, ReadsAKeyThatOnlyItsOwnerCanReadIgnoringSurroundingSpace) {
  auto path = write("user.key", std::string("\n  ") + kKey + "\n", kOwnerOnly);
  auto key = read_private_key_file(path, "--prvkey-file");
  ASSERT_TRUE(key.has_value()) << key.error().message;
  EXPECT_EQ(*key, kKey);
  auto read_only = write("ro.key", kKey, fs::perms::owner_read);
  EXPECT_TRUE(read_private_key_file(read_only, "--prvkey-file").has_value());
}

TEST_F(KeyFileTest, RefusesAFileGroupOrOthersCanAccessAndSaysHowToFixIt) {
  for (auto extra : {fs::perms::group_read, fs::perms::others_read, fs::perms::group_write, fs::perms::others_exec}) {
    auto path = write("open.key", kKey, kOwnerOnly | extra);
    auto key = read_private_key_file(path, "--prvkey-file");
    ASSERT_FALSE(key.has_value());
    EXPECT_EQ(key.error().code, ErrorCode::BadRequest);
    EXPECT_THAT(key.error().message, HasSubstr("--prvkey-file " + path));
    EXPECT_THAT(key.error().message, HasSubstr(fmt::format("mode {:04o}", mode_of(path))));
    EXPECT_THAT(key.error().message, HasSubstr("chmod 600 " + path));
    EXPECT_THAT(key.error().message, Not(HasSubstr(kKey)));
  }
}

TEST_F(KeyFileTest, TheRuleFollowsSymlinksToTheKeyItself) {
  auto target = write("target.key", kKey, kOwnerOnly | fs::perms::others_read);
  fs::create_symlink(target, dir_ / "link.key");
  // A symlink's own mode (0777) says nothing; the file it names is what others could read.
  EXPECT_FALSE(check_private_file((dir_ / "link.key").string(), "--tls-key").has_value());
  fs::permissions(target, kOwnerOnly);
  EXPECT_TRUE(check_private_file((dir_ / "link.key").string(), "--tls-key").has_value());
}

TEST_F(KeyFileTest, RefusesMissingFilesDirectoriesAndMalformedKeysWithoutEchoingThem) {
  auto missing = read_private_key_file((dir_ / "nope.key").string(), "COLONIES_PRVKEY_FILE");
  ASSERT_FALSE(missing.has_value());
  EXPECT_THAT(missing.error().message, HasSubstr("COLONIES_PRVKEY_FILE"));
  EXPECT_THAT(missing.error().message, HasSubstr("No such file"));
  fs::permissions(dir_, fs::perms::owner_all);
  EXPECT_THAT(check_private_file(dir_.string(), "--tls-key").error().message, HasSubstr("not a regular file"));
  auto short_key = read_private_key_file(write("short.key", "abcd", kOwnerOnly), "--prvkey-file");
  ASSERT_FALSE(short_key.has_value());
  EXPECT_THAT(short_key.error().message, HasSubstr("64 hex characters (4 characters found)"));
  const std::string not_hex(64, 'z');
  auto bad = read_private_key_file(write("bad.key", not_hex, kOwnerOnly), "--prvkey-file");
  ASSERT_FALSE(bad.has_value());
  EXPECT_THAT(bad.error().message, HasSubstr("non-hex"));
  EXPECT_THAT(bad.error().message, Not(HasSubstr(not_hex)));
}

TEST_F(KeyFileTest, WritesANewFileWithMode0600WhateverTheUmask) {
  const mode_t old_umask = ::umask(0);  // the widest umask: the file must still be 0600
  const auto path = (dir_ / "new.key").string();
  auto written = write_private_file(path, std::string(kKey) + "\n");
  ::umask(old_umask);
  ASSERT_TRUE(written.has_value()) << written.error().message;
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_EQ(*read_private_key_file(path, "--prvkey-file"), kKey);
}

TEST_F(KeyFileTest, NeverReplacesAnExistingFileOrFollowsASymlink) {
  auto existing = write("existing.key", "keep me", kOwnerOnly);
  auto again = write_private_file(existing, kKey);
  ASSERT_FALSE(again.has_value());
  EXPECT_THAT(again.error().message, HasSubstr("already exists"));
  std::ifstream in(existing);
  std::string content;
  std::getline(in, content);
  EXPECT_EQ(content, "keep me");

  fs::create_symlink(dir_ / "elsewhere.key", dir_ / "planted.key");
  EXPECT_FALSE(write_private_file((dir_ / "planted.key").string(), kKey).has_value());
  EXPECT_FALSE(fs::exists(dir_ / "elsewhere.key"));
}

}  // namespace
}  // namespace colonies::crypto
