// DirectoryBlobStore: content addressing, atomic gets verified against the key (a corrupted
// blob is detected and nothing is written), idempotent puts, removal, listing, colony roots,
// and SHA-256 against known vectors.
#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "adapters/blob/directory_blob_store.hpp"
#include "adapters/blob/sha256.hpp"

namespace colonies::blob {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("colonies-blob-test-" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class DirectoryBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = DirectoryBlobStore::open(dir_.path() / "store");
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }
  TempDir dir_;
  std::unique_ptr<DirectoryBlobStore> store_;
};

TEST(Sha256Test, MatchesKnownVectors) {
  EXPECT_EQ(sha256_bytes(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_bytes("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  TempDir d;
  write(d.path() / "f", "abc");
  auto h = sha256_file(d.path() / "f");
  ASSERT_TRUE(h);
  EXPECT_EQ(*h, sha256_bytes("abc"));
  EXPECT_EQ(sha256_file(d.path() / "missing").error().code, ErrorCode::NotFound);
}

TEST_F(DirectoryBlobStoreTest, PutsUnderTheContentAddressAndGetsTheSameBytes) {
  write(dir_.path() / "in.txt", "hello colonies");
  auto put = store_->put(dir_.path() / "in.txt");
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_EQ(put->key, sha256_bytes("hello colonies"));
  EXPECT_EQ(put->size, 14);
  EXPECT_TRUE(fs::exists(store_->path_of(put->key)));
  EXPECT_TRUE(*store_->exists(put->key));

  auto got = store_->get(put->key, dir_.path() / "out" / "deep" / "copy.txt");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(read(dir_.path() / "out" / "deep" / "copy.txt"), "hello colonies");
}

TEST_F(DirectoryBlobStoreTest, PuttingTheSameBytesTwiceIsOneBlob) {
  write(dir_.path() / "a", "same");
  write(dir_.path() / "b", "same");
  auto a = store_->put(dir_.path() / "a");
  auto b = store_->put(dir_.path() / "b");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->key, b->key);
  auto listed = store_->list();
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 1u);
}

TEST_F(DirectoryBlobStoreTest, DetectsACorruptedBlobAndWritesNothing) {
  write(dir_.path() / "in", "original bytes");
  auto put = store_->put(dir_.path() / "in");
  ASSERT_TRUE(put);
  write(store_->path_of(put->key), "tampered bytes");
  const fs::path dest = dir_.path() / "out" / "file";
  auto got = store_->get(put->key, dest);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::Conflict);
  EXPECT_NE(got.error().message.find("corrupted"), std::string::npos) << got.error().message;
  EXPECT_FALSE(fs::exists(dest));
  // No temporary file is left behind either.
  for (const auto& e : fs::directory_iterator(dest.parent_path())) ADD_FAILURE() << "left behind: " << e.path();
}

TEST_F(DirectoryBlobStoreTest, AFailedGetKeepsTheOldDestination) {
  write(dir_.path() / "in", "v2");
  auto put = store_->put(dir_.path() / "in");
  ASSERT_TRUE(put);
  write(store_->path_of(put->key), "corrupt");
  write(dir_.path() / "dest", "v1");
  EXPECT_FALSE(store_->get(put->key, dir_.path() / "dest"));
  EXPECT_EQ(read(dir_.path() / "dest"), "v1");
}

TEST_F(DirectoryBlobStoreTest, MissingAndMalformedKeys) {
  const std::string absent(64, 'f');
  EXPECT_EQ(store_->get(absent, dir_.path() / "x").error().code, ErrorCode::NotFound);
  EXPECT_FALSE(*store_->exists(absent));
  EXPECT_EQ(store_->get("../../etc/passwd", dir_.path() / "x").error().code, ErrorCode::BadRequest);
  EXPECT_EQ(store_->exists("ABC").error().code, ErrorCode::BadRequest);
  EXPECT_EQ(store_->put(dir_.path() / "no-such-file").error().code, ErrorCode::NotFound);
}

TEST_F(DirectoryBlobStoreTest, RemovesBlobsAndToleratesMissingOnes) {
  write(dir_.path() / "in", "bye");
  auto put = store_->put(dir_.path() / "in");
  ASSERT_TRUE(put);
  EXPECT_TRUE(store_->remove(put->key));
  EXPECT_FALSE(*store_->exists(put->key));
  EXPECT_TRUE(store_->remove(put->key));
}

TEST_F(DirectoryBlobStoreTest, ListsBlobsWithSizeAndTime) {
  write(dir_.path() / "a", "1");
  write(dir_.path() / "b", "22");
  ASSERT_TRUE(store_->put(dir_.path() / "a"));
  ASSERT_TRUE(store_->put(dir_.path() / "b"));
  auto listed = store_->list();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_LT((*listed)[0].key, (*listed)[1].key);
  EXPECT_GT((*listed)[0].modified_unix_s, 0);
}

TEST(DirectoryBlobStoreOpenTest, RefusesAnUnusableRoot) {
  EXPECT_EQ(DirectoryBlobStore::open("").error().code, ErrorCode::BadRequest);
  TempDir d;
  write(d.path() / "file", "x");
  EXPECT_EQ(DirectoryBlobStore::open(d.path() / "file").error().code, ErrorCode::BadRequest);
}

TEST(DirectoryBlobStoreOpenTest, ColonyRootsAreSafeDirectoryNames) {
  EXPECT_EQ(DirectoryBlobStore::colony_root("/r", "dev-colony_1.x"), fs::path("/r/dev-colony_1.x"));
  EXPECT_EQ(DirectoryBlobStore::colony_root("/r", "../etc"), fs::path("/r/%2E.%2Fetc"));
  EXPECT_EQ(DirectoryBlobStore::colony_root("/r", "a b"), fs::path("/r/a%20b"));
}

}  // namespace
}  // namespace colonies::blob
