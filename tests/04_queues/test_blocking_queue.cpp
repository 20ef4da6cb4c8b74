// test_blocking_queue.cpp: tests for BlockingQueue, the mirror of Python's queue.Queue.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "blocking_queue.hpp"
#include "bounded_waits.hpp"

using course::BlockingQueue;
using course::QueueClosed;
using course_test::Crew;
using course_test::Gate;
using course_test::Hooked;
using course_test::patience;
using course_test::Rendezvous;
using course_test::ThreadIds;

// Threads in these tests share the queue through a shared_ptr: a thread stuck in a wrong
// get() is left behind when the test gives up, and must not outlive what it uses.

TEST_CASE("items come out in the order they were put") {
    BlockingQueue<std::string> queue;
    for (const char* word : {"one", "two", "three", "four"}) queue.put(word);
    CHECK(queue.size() == 4);
    CHECK(queue.get() == "one");
    CHECK(queue.get() == "two");
    CHECK(queue.try_get() == "three");
    CHECK(queue.get() == "four");
    CHECK(queue.size() == 0);
}

TEST_CASE("try_get on an empty queue returns nothing, at once") {
    BlockingQueue<int> queue;
    CHECK_FALSE(queue.try_get().has_value());
    queue.put(7);
    CHECK(queue.try_get() == 7);
    CHECK_FALSE(queue.try_get().has_value());
}

TEST_CASE("get waits for an item instead of returning empty-handed") {
    auto queue = std::make_shared<BlockingQueue<int>>();
    auto got = std::make_shared<std::optional<int>>();
    auto consumer_id = std::make_shared<ThreadIds>(1);
    Crew crew;
    crew.start([=] {
        consumer_id->tell(0);
        *got = queue->get();  // nothing queued yet: must wait
    });
    consumer_id->wait_until_all_asleep();  // a get() that does not wait has returned by now
    queue->put(42);
    REQUIRE_MESSAGE(crew.finish_within(patience), "get() never returned although an item was put");
    CHECK_MESSAGE(*got == 42, "get() returned before the item was put: it must wait while the queue is empty");
}

TEST_CASE("several producers and consumers move every item exactly once") {
    constexpr int producers = 3;
    constexpr int consumers = 3;
    constexpr int per_producer = 3000;
    auto queue = std::make_shared<BlockingQueue<int>>();
    auto taken = std::make_shared<std::vector<std::vector<int>>>(consumers);
    Crew consumer_crew;
    for (int c = 0; c < consumers; ++c) {
        consumer_crew.start([=] {
            while (std::optional<int> item = queue->get()) (*taken)[static_cast<std::size_t>(c)].push_back(*item);
        });
    }
    Crew producer_crew;
    for (int p = 0; p < producers; ++p) {
        producer_crew.start([=] {
            for (int i = 0; i < per_producer; ++i) queue->put(p * per_producer + i);
        });
    }
    REQUIRE(producer_crew.finish_within(patience));
    producer_crew.rethrow_error();
    queue->close();
    REQUIRE_MESSAGE(consumer_crew.finish_within(patience), "consumers still waiting after close()");

    std::vector<int> all;
    for (const auto& mine : *taken) {
        // One producer's items reach one consumer in the order they were put.
        for (int p = 0; p < producers; ++p) {
            std::vector<int> from_p;
            std::copy_if(mine.begin(), mine.end(), std::back_inserter(from_p),
                         [p](int item) { return item / per_producer == p; });
            CHECK(std::is_sorted(from_p.begin(), from_p.end()));
        }
        all.insert(all.end(), mine.begin(), mine.end());
    }
    std::sort(all.begin(), all.end());
    std::vector<int> expected(producers * per_producer);
    for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<int>(i);
    CHECK_MESSAGE(all == expected, "items were lost or taken twice");
}

TEST_CASE("try_get racing with put loses nothing") {
    constexpr int items = 4000;
    auto queue = std::make_shared<BlockingQueue<int>>();
    auto sum = std::make_shared<std::atomic<long>>(0);
    auto count = std::make_shared<std::atomic<int>>(0);
    Crew crew;
    for (int c = 0; c < 2; ++c) {
        crew.start([=] {
            // Polls without waiting until every item has been taken by one of the two.
            while (count->load() < items) {
                if (std::optional<int> item = queue->try_get()) {
                    sum->fetch_add(*item);
                    count->fetch_add(1);
                } else {
                    std::this_thread::yield();
                }
            }
        });
    }
    for (int i = 1; i <= items; ++i) queue->put(i);
    REQUIRE_MESSAGE(crew.finish_within(patience), "the pollers never saw every item");
    CHECK(count->load() == items);
    CHECK(sum->load() == static_cast<long>(items) * (items + 1) / 2);
}

TEST_CASE("join waits for task_done, not just for an empty queue") {
    auto queue = std::make_shared<BlockingQueue<int>>();
    auto all_taken = std::make_shared<Gate>();
    auto may_finish = std::make_shared<Gate>();
    auto finished = std::make_shared<std::atomic<int>>(0);
    for (int job = 0; job < 3; ++job) queue->put(job);
    Crew worker;
    worker.start([=] {
        for (int job = 0; job < 3; ++job) {
            if (!queue->get()) throw std::runtime_error("get() returned nothing although jobs were queued");
        }
        all_taken->open();  // the queue is empty now, but no job is done yet
        if (!may_finish->wait_for(patience)) throw std::runtime_error("the test never let the worker finish");
        for (int job = 0; job < 3; ++job) {
            finished->fetch_add(1);
            queue->task_done();
        }
    });
    REQUIRE(all_taken->wait_for(patience));

    auto done_when_join_returned = std::make_shared<std::atomic<int>>(-1);
    auto join_returned = std::make_shared<Gate>();
    Crew joiner;
    joiner.start([=] {
        queue->join();
        done_when_join_returned->store(finished->load());
        join_returned->open();
    });
    // A join() that only waits for an empty queue returns now, with no job done.
    CHECK_FALSE_MESSAGE(join_returned->wait_for(std::chrono::milliseconds(200)),
                        "join() returned while every job was still unfinished");
    may_finish->open();
    REQUIRE_MESSAGE(joiner.finish_within(patience), "join() did not return after the last task_done()");
    REQUIRE(worker.finish_within(patience));
    worker.rethrow_error();
    CHECK_MESSAGE(done_when_join_returned->load() == 3, "join() returned before the last task_done()");
}

TEST_CASE("the article's pool: join returns once the workers have done every job") {
    constexpr int jobs = 200;
    auto queue = std::make_shared<BlockingQueue<int>>();
    auto done = std::make_shared<std::atomic<int>>(0);
    Crew workers;
    for (int w = 0; w < 5; ++w) {
        workers.start([=] {
            while (std::optional<int> job = queue->get()) {
                done->fetch_add(1);
                queue->task_done();
            }
        });
    }
    for (int job = 0; job < jobs; ++job) queue->put(job);
    auto joined = course_test::returns_within(patience, [queue] {
        queue->join();
        return true;
    });
    CHECK_MESSAGE(joined.has_value(), "join() never returned although every job had its task_done()");
    CHECK(done->load() == jobs);
    queue->close();
    CHECK_MESSAGE(workers.finish_within(patience), "the workers did not stop after close()");
}

TEST_CASE("join returns at once when every task is done, and task_done too often throws") {
    BlockingQueue<int> queue;
    queue.join();  // nothing was ever put
    queue.put(1);
    queue.put(2);
    REQUIRE(queue.get() == 1);
    REQUIRE(queue.get() == 2);
    CHECK_NOTHROW(queue.task_done());
    CHECK_NOTHROW(queue.task_done());
    queue.join();
    CHECK_THROWS_AS(queue.task_done(), std::logic_error);  // Python raises ValueError
}

TEST_CASE("close wakes every consumer waiting in get") {
    // Each consumer tells its thread id; the test closes the queue only once all of them
    // are asleep inside get(), so that every one of them has to be woken.
    constexpr int consumers = 4;
    auto queue = std::make_shared<BlockingQueue<int>>();
    auto ids = std::make_shared<ThreadIds>(consumers);
    auto nothing_count = std::make_shared<std::atomic<int>>(0);
    Crew crew;
    for (int c = 0; c < consumers; ++c) {
        crew.start([=] {
            ids->tell(c);
            if (!queue->get().has_value()) nothing_count->fetch_add(1);
        });
    }
    ids->wait_until_all_asleep();
    queue->close();
    const bool all_woke = crew.finish_within(patience);
    REQUIRE_MESSAGE(all_woke, "only " << crew.finished() << " of " << consumers
                                      << " consumers woke up after close(): every waiter must be notified");
    CHECK(nothing_count->load() == consumers);
}

TEST_CASE("the last task_done wakes every thread waiting in join") {
    // Python allows several joiners; each one waits for the same moment. The test calls the
    // last task_done() only once all of them are asleep inside join().
    constexpr int joiners = 3;
    auto queue = std::make_shared<BlockingQueue<int>>();
    queue->put(1);
    REQUIRE(queue->get() == 1);
    auto ids = std::make_shared<ThreadIds>(joiners);
    Crew crew;
    for (int j = 0; j < joiners; ++j) {
        crew.start([=] {
            ids->tell(j);
            queue->join();
        });
    }
    ids->wait_until_all_asleep();
    queue->task_done();
    const bool all_woke = crew.finish_within(patience);
    REQUIRE_MESSAGE(
        all_woke,
        "only " << crew.finished() << " of " << joiners
                << " threads came back from join() after the last task_done(): wake them all");
}

TEST_CASE("get keeps waiting when another thread takes the item it was woken for") {
    // A consumer sleeps in get(). The test puts an item, and while put() holds the queue's
    // lock (it is moving the item in), a thief starts try_get() and has to wait for that
    // lock: when put() lets go, the thief is first in line and usually gets the lock before
    // the woken consumer. The thief then keeps the lock (while it moves the item out) until
    // the consumer is awake and waiting for it. The consumer finds the queue empty, and must
    // wait on (the predicate loop) instead of returning; the next item is its own.
    constexpr int rounds = 20;
    int stolen_rounds = 0;
    for (int round = 0; round < rounds && stolen_rounds < 3; ++round) {
        CAPTURE(round);
        auto queue = std::make_shared<BlockingQueue<Hooked<int>>>();
        auto consumer_id = std::make_shared<ThreadIds>(1);
        auto consumer_got = std::make_shared<std::optional<int>>();
        Crew consumer;
        consumer.start([=] {
            consumer_id->tell(0);
            if (std::optional<Hooked<int>> item = queue->get()) *consumer_got = item->value;
        });
        consumer_id->wait_until_all_asleep();
        const pid_t consumer_tid = consumer_id->id(0);
        const std::optional<unsigned long> consumer_sleeps_on =
            course_test::futex_address(consumer_tid);

        auto thief_id = std::make_shared<std::atomic<pid_t>>(0);
        auto thief_go = std::make_shared<std::atomic<bool>>(false);
        auto thief_got = std::make_shared<std::optional<int>>();
        Crew thief;
        thief.start([=] {
            thief_id->store(course_test::kernel_thread_id());
            const auto give_up = std::chrono::steady_clock::now() + patience;
            while (!thief_go->load() && std::chrono::steady_clock::now() < give_up)
                std::this_thread::yield();
            if (consumer_sleeps_on) {
                Hooked<int>::on_next_copy([=] {  // taking the item, under the queue's lock
                    course_test::woken_and_waiting_for_lock_within(consumer_tid,
                                                                   *consumer_sleeps_on, patience);
                });
            }
            if (std::optional<Hooked<int>> item = queue->try_get()) *thief_got = item->value;
            Hooked<int>::disarm();
        });
        while (thief_id->load() == 0)
            std::this_thread::yield();
        {
            struct GoOnExit {  // a put() that throws must not leave the thief spinning
                std::atomic<bool>& go;
                ~GoOnExit() {
                    go.store(true);
                    Hooked<int>::disarm();
                }
            } go_on_exit{*thief_go};
            Hooked<int>::on_next_copy([=] {
                thief_go->store(true);
                // The thief now waits for the lock that put() holds.
                course_test::falls_asleep_within(thief_id->load(), patience);
            });
            queue->put(Hooked<int>(round));
        }
        REQUIRE(thief.finish_within(patience));
        const bool stolen = thief_got->has_value();
        if (stolen) {
            ++stolen_rounds;
            course_test::falls_asleep_within(consumer_tid, patience);  // asleep again, or returned
        }
        queue->put(Hooked<int>(-1));
        REQUIRE_MESSAGE(consumer.finish_within(patience),
                        "get() never returned although two items were put");
        if (stolen) {
            CHECK_MESSAGE(*consumer_got == -1,
                          "get() returned "
                              << (consumer_got->has_value() ? "the wrong item" : "nothing")
                              << " while the queue was open: after a wake-up, check again and "
                                 "wait again");
        } else {
            CHECK(*consumer_got == round);
        }
    }
    INFO(stolen_rounds << " rounds in which the thief took the item first");
}

TEST_CASE("a put refused by a closed queue adds nothing and counts no task") {
    BlockingQueue<int> queue;
    queue.put(1);
    queue.close();
    CHECK_THROWS_AS(queue.put(2), QueueClosed);
    CHECK(queue.size() == 1);
    REQUIRE(queue.get() == 1);
    queue.task_done();
    // The refused item is no unfinished task: join() has nothing to wait for.
    const auto joined = course_test::returns_within(patience, [&queue] {
        queue.join();
        return true;
    });
    CHECK_MESSAGE(joined.has_value(), "join() waits for the item that put() refused");
    CHECK_THROWS_AS(queue.task_done(), std::logic_error);
}

TEST_CASE("size can be read while other threads put and get") {
    // size() reads the deque, so it needs the lock as much as put() and get() do; the
    // ThreadSanitizer build of this test reports a size() without it.
    constexpr int items = 3000;
    auto queue = std::make_shared<BlockingQueue<int>>();
    auto wrong_sizes = std::make_shared<std::atomic<int>>(0);
    auto moving = std::make_shared<std::atomic<bool>>(true);
    Crew crew;
    crew.start([=] {
        for (int i = 0; i < items; ++i)
            queue->put(i);
    });
    crew.start([=] {
        for (int i = 0; i < items; ++i) {
            if (!queue->get())
                throw std::runtime_error("get() returned nothing from an open queue");
        }
        moving->store(false);
    });
    crew.start([=] {
        while (moving->load()) {
            if (queue->size() > static_cast<std::size_t>(items)) wrong_sizes->fetch_add(1);
        }
    });
    REQUIRE(crew.finish_within(patience));
    crew.rethrow_error();
    CHECK(wrong_sizes->load() == 0);
    CHECK(queue->size() == 0);
}

TEST_CASE("a closed queue refuses put but hands out what it holds, then nothing") {
    BlockingQueue<int> queue;
    queue.put(1);
    queue.put(2);
    queue.close();
    CHECK_THROWS_AS(queue.put(3), QueueClosed);
    CHECK(queue.get() == 1);
    CHECK(queue.try_get() == 2);
    CHECK_FALSE(queue.get().has_value());
    CHECK_FALSE(queue.get().has_value());
    CHECK_FALSE(queue.try_get().has_value());
    queue.close();  // closing twice is harmless
    CHECK_FALSE(queue.get().has_value());
}
