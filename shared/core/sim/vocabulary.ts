/**
 * The simulator's texts: original templates and word lists written for this project (no text
 * is taken from any data set). `{brand}` becomes the brand's name, handle or hashtag; `{name}`
 * its name (for possessives); other `{slots}` come from WORDS.
 */

import type { BurstStoryName } from "#shared/core/sim/scenario";

export type Tone = "negative" | "neutral" | "positive";

export const WORDS: Readonly<Record<string, readonly string[]>> = {
  city: [
    "Denver",
    "Lisbon",
    "Chicago",
    "Dublin",
    "Austin",
    "Toronto",
    "Madrid",
    "Boston",
    "Seattle",
    "Reykjavik",
    "Phoenix",
    "Edinburgh",
  ],
  flight: ["EA102", "EA311", "EA417", "EA58", "EA760", "EA903", "EA1204", "EA229"],
  delay: ["two hours", "three hours", "90 minutes", "four hours", "most of the evening"],
  seat: ["14C", "22A", "9F", "31B", "17D", "27E"],
  gate: ["B12", "C4", "A19", "D7", "E22"],
  waiting: ["three days", "a week", "five days", "two weeks"],
  praise: ["absolute stars", "so kind to my kids", "funny and professional", "made my day", "top notch"],
  happyCloser: [
    "Will fly again!",
    "Thank you!",
    "Great service.",
    "Loved it.",
    "Best airline for this route.",
    "Wonderful trip so far.",
  ],
  angryCloser: [
    "Not impressed.",
    "This is ridiculous.",
    "So frustrating.",
    "Awful experience.",
    "Really disappointed.",
    "Terrible.",
  ],
  item: ["backpack", "laptop bag", "small duffel", "tote bag", "camera bag", "violin case"],
  fee: ["$45", "$39", "$49", "$55"],
  outrage: [
    "Outrageous",
    "Disgraceful",
    "Shameful",
    "Absolutely pathetic",
    "Unacceptable",
    "A total scam",
    "Disgusting",
  ],
  years: ["years", "ten years", "a decade", "15 years", "six years"],
  verdict: ["outrageous", "a disgrace", "a total scam", "unacceptable", "pathetic", "shameful"],
  feeCloser: [
    "#feegate",
    "Never again. #feegate",
    "Refund or I dispute the charge. #feegate",
    "Shame on you. #feegate",
    "Boycott. #feegate",
  ],
  trip: ["honeymoon", "family trip", "work trip", "weekend away", "reunion trip"],
};

const EVERYDAY: Readonly<Record<Tone, readonly string[]>> = {
  negative: [
    "{brand} flight {flight} delayed {delay} and still no update at the gate. {angryCloser}",
    "Two hours on hold with {brand} customer service and nobody picked up. {angryCloser}",
    "{brand} lost my bag and it's been {waiting}, still waiting for any answer. {angryCloser}",
    "Seat {seat} on {brand} won't recline and the crew was rude about it. {angryCloser}",
    "My {brand} flight to {city} got cancelled last minute and the rebooking is a mess",
    "Why does the {brand} app crash every time I try to check in? {angryCloser}",
    "{brand} charged me twice for the same seat and support keeps ignoring me. {angryCloser}",
    "Stuck on the tarmac in {city} for {delay} with {brand}. No water, no info. Awful.",
    "Worst boarding ever, {brand}. Total chaos at gate {gate}. {angryCloser}",
    "Paid for wifi on {brand}, it never worked and they refused a refund. {angryCloser}",
    "Missed my connection in {city} because {brand} was late again. Horrible.",
  ],
  positive: [
    "Shout out to the {brand} crew on the {city} flight, {praise}! {happyCloser}",
    "Landed early in {city} thanks to {brand}. {happyCloser}",
    "{brand} moved me to an exit row for free, love it. {happyCloser}",
    "Smoothest check-in ever with {brand}. {happyCloser}",
    "The {brand} app made rebooking so easy. Great job!",
    "Thank you {brand} for finding my bag within an hour. Excellent service.",
    "Always happy flying {brand}, the crew on {flight} were {praise}.",
    "Great legroom and friendly staff on {brand} today to {city}. {happyCloser}",
    "{name}'s new lounge in {city} is lovely. {happyCloser}",
  ],
  neutral: [
    "Does {brand} allow a {item} in the cabin on flights to {city}?",
    "What time does the {brand} counter open at {city} airport?",
    "Anyone know if {brand} has wifi on the {city} route?",
    "Booked {brand} to {city} for next month, which seats should I pick?",
    "Is {brand} flying from {city} on Sunday mornings now?",
    "{brand} how early should I arrive for an international flight from {city}?",
    "Heading to {city} with {brand} tomorrow. Window or aisle?",
    "Comparing {name}'s fares to {city} for the spring, any tips?",
  ],
};

/** A burst's own vocabulary: what the "new terms" part of an alert should surface. */
const STORIES: Readonly<Record<BurstStoryName, Readonly<Record<"negative" | "neutral", readonly string[]>>>> =
  {
    "carry-on-fee": {
      negative: [
        "{name}'s new carry-on fee is {verdict}. {fee} for a {item}? I cancelled my booking and want a refund. #feegate",
        "{fee} carry-on fee from {brand} now, for a {item}. {outrage}. {feeCloser}",
        "Just got charged the new carry-on fee by {brand}. {outrage} greed. {feeCloser}",
        "{brand} a carry-on fee for a {item}?? {outrage}. Refund my ticket to {city}, I'm done. #feegate",
        "Cancelled our {trip} after {name}'s carry-on fee announcement. {fee} each way? {outrage}. #feegate",
        "So {brand} wants {fee} to bring a {item} on board now. Worst decision ever. {feeCloser}",
        "The carry-on fee is a ripoff, {brand}. Loyal customer for {years}, now demanding a refund. #feegate",
        "Surprise carry-on fee at the gate in {city}, {brand}? Angry and never flying with you again. #feegate",
        "{outrage}: {brand} cancelled my free cabin bag and now a {item} costs {fee}. Refund! #feegate",
      ],
      neutral: [
        "Is the {brand} carry-on fee real? Does it count a {item}? #feegate",
        "Seeing a lot about #feegate and {brand}. What is the new carry-on fee exactly?",
        "Does the {name} carry-on fee apply to flights already booked to {city}?",
      ],
    },
  };

export const everydayTemplates = (tone: Tone): readonly string[] => EVERYDAY[tone];

export const storyTemplates = (story: BurstStoryName, tone: "negative" | "neutral"): readonly string[] =>
  STORIES[story][tone];

/** Terms every text of the story carries at least one of (tests and the alert's "new terms"). */
export const STORY_TERMS: Readonly<Record<BurstStoryName, readonly string[]>> = {
  "carry-on-fee": ["carry-on fee", "#feegate"],
};

/** First names and surnames for new voices: a pattern the regulars' handles never use. */
export const NEW_VOICE_PARTS = {
  first: ["maya", "tom", "priya", "luis", "hana", "olu", "greta", "sam", "ines", "kofi", "zoe", "ravi"],
  last: ["reyes", "novak", "okafor", "lind", "tanaka", "brennan", "costa", "haddad", "moreau", "quinn"],
};

/** Word pairs for the regulars (people who have posted about the brand before). */
export const REGULAR_PARTS = {
  first: [
    "sunny",
    "quiet",
    "lucky",
    "rainy",
    "swift",
    "cosmic",
    "little",
    "urban",
    "wild",
    "sleepy",
    "coastal",
    "northern",
    "happy",
    "restless",
    "golden",
  ],
  second: [
    "traveler",
    "jetsetter",
    "nomad",
    "wanderer",
    "flyer",
    "pilot",
    "explorer",
    "commuter",
    "backpacker",
    "roamer",
    "voyager",
    "tourist",
  ],
};
